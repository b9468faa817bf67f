"""A small but complete Gobstopper app: a templated page with a stylesheet, a JSON API with
typed bodies in a blueprint, and file uploads with downloads, behind sessions, CSRF
protection for the form, security headers and a flash notification after each upload.

Run it with ``make demo`` (or ``gobstopper run example_app:app`` from this folder) and
open http://127.0.0.1:8000/.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import msgspec

from gobstopper import (
    Blueprint,
    Gobstopper,
    Request,
    abort,
    notification,
    redirect,
    secure_filename,
    send_from_directory,
)
from gobstopper.middleware import CSRFMiddleware, SecurityMiddleware, SessionMiddleware
from gobstopper.sessions import MemorySessionStore

app = Gobstopper(__name__)  # templates/ and static/ live next to this file
app.add_middleware(SecurityMiddleware())
app.add_middleware(SessionMiddleware(MemorySessionStore()))
# The JSON API is for scripts and curl, without cookies: no CSRF token needed there.
app.add_middleware(CSRFMiddleware(exempt_paths=["/api/"]))
UPLOADS = Path(__file__).parent / "uploads"


class NewTodo(msgspec.Struct):
    """What a client sends to create a todo."""

    title: str
    done: bool = False


class Todo(msgspec.Struct):
    """A stored todo."""

    id: int
    title: str
    done: bool


TODOS: dict[int, Todo] = {}
_ids = itertools.count(1)

api = Blueprint("api", __name__, url_prefix="/api")


@api.get("/todos")
async def list_todos(done: bool | None = None) -> list[Todo]:
    """All todos, optionally only the done (``?done=true``) or open ones."""
    return [todo for todo in TODOS.values() if done is None or todo.done == done]


@api.post("/todos")
async def create_todo(new: NewTodo):
    """Create a todo from a JSON body; a bad body gets 400/415/422 before this runs."""
    if not new.title.strip():
        abort(422, "title must not be blank")
    todo = Todo(id=next(_ids), title=new.title.strip(), done=new.done)
    TODOS[todo.id] = todo
    return todo, 201, {"Location": app.url_for("api.show_todo", todo_id=todo.id)}


@api.get("/todos/<int:todo_id>")
async def show_todo(todo_id: int) -> Todo:
    """One todo, or 404."""
    if todo_id not in TODOS:
        abort(404, f"no todo {todo_id}")
    return TODOS[todo_id]


@api.delete("/todos/<int:todo_id>")
async def delete_todo(todo_id: int):
    """Delete a todo; 204 whether or not it existed."""
    TODOS.pop(todo_id, None)


app.register_blueprint(api)


@app.get("/")
async def index():
    """The page: todos from the API and the uploaded attachments."""
    attachments = sorted(p.name for p in UPLOADS.iterdir()) if UPLOADS.is_dir() else []
    return await app.render_template(
        "index.html", todos=list(TODOS.values()), attachments=attachments
    )


@app.post("/attachments")
async def upload_attachment(request: Request):
    """Store an uploaded file under a safe name, then go back to the page."""
    upload = (await request.get_files()).get("attachment")
    name = secure_filename(upload.filename) if upload is not None else ""
    if not name:
        abort(400, "choose a file with a usable name")
    UPLOADS.mkdir(exist_ok=True)
    await upload.save(UPLOADS / name)
    notification(request, f"Uploaded {name} ({upload.size} bytes)", "success")
    return redirect(app.url_for("index"), 303)


@app.get("/attachments/<path:name>")
async def download_attachment(name: str):
    """Download an attachment; nothing outside the uploads folder is reachable."""
    return send_from_directory(UPLOADS, name, as_attachment=True)


@app.get("/health")
async def health():
    """Liveness probe."""
    return {"status": "ok", "todos": len(TODOS)}
