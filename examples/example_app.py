"""A small but complete Gobstopper app: pages, a JSON API with typed bodies, a blueprint.

Run it with ``make demo`` (or ``gobstopper run example_app:app`` from this folder) and
open http://127.0.0.1:8000/.
"""

from __future__ import annotations

import html
import itertools

import msgspec

from gobstopper import Blueprint, Gobstopper, Request, abort

app = Gobstopper(__name__)


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
async def index(request: Request):
    """A page listing the todos, with links to the JSON API."""
    items = "".join(
        f"<li>{'✔' if todo.done else '○'} {html.escape(todo.title)}</li>" for todo in TODOS.values()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gobstopper demo</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; }}
code {{ background: #f3f3f3; padding: 0.1rem 0.3rem; }}</style></head>
<body>
<h1>Gobstopper demo</h1>
<p>Served to {html.escape(request.client_ip)} over RSGI.</p>
<ul id="todos">{items or "<li>No todos yet.</li>"}</ul>
<p>Try <code>curl -X POST -H 'Content-Type: application/json'
-d '{{"title": "buy gobstoppers"}}' {html.escape(request.base_url)}api/todos</code>,
then reload.</p>
<p>API: <a href="{app.url_for("api.list_todos")}">{app.url_for("api.list_todos")}</a></p>
</body></html>"""


@app.get("/health")
async def health():
    """Liveness probe."""
    return {"status": "ok", "todos": len(TODOS)}
