"""Gobstopper's interactive demo: one page per feature group, all served offline.

* ``/``            to-dos from a typed JSON API, file uploads and downloads
* ``/routing``     a form that calls the typed API and shows the JSON and the 4xx answers
* ``/tasks``       background tasks: enqueue one, watch its status and progress live
* ``/chat``        WebSockets: a chat with rooms
* ``/security``    a CSRF-protected form, a rate-limited button (429 and Retry-After)
                   and the security headers of the page
* ``/middleware``  a request-timing middleware and the numbers it measured
* ``/session``     a session that counts visits and remembers a name, with flash
                   notifications

Run it from this folder with ``gobstopper run example_app:app`` (or ``make demo``, or
``granian --interface rsgi --reload example_app:app``) and open http://127.0.0.1:8000/.
Task workers run in the server process on a DuckDB file in a temporary folder (or in
``EXAMPLE_DATA_DIR``), which also holds the uploads; a temporary folder is removed when
the server stops.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import shutil
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Annotated

import msgspec

from gobstopper import (
    Blueprint,
    Gobstopper,
    Request,
    Response,
    abort,
    notification,
    redirect,
    secure_filename,
    send_from_directory,
)
from gobstopper.middleware import (
    CallNext,
    CSRFMiddleware,
    SecurityMiddleware,
    SessionMiddleware,
)
from gobstopper.sessions import MemorySessionStore
from gobstopper.utils.rate_limiter import TokenBucketLimiter, rate_limit
from gobstopper.websocket import RoomManager, WebSocket

_OWN_DATA_DIR = "EXAMPLE_DATA_DIR" not in os.environ
DATA_DIR = Path(os.environ.get("EXAMPLE_DATA_DIR") or tempfile.mkdtemp(prefix="gobstopper-demo-"))
UPLOADS = DATA_DIR / "uploads"

app = Gobstopper(__name__, task_database=DATA_DIR / "tasks.duckdb")


# -- middleware: timing outermost, so it measures everything below it ------------------


class Timing(msgspec.Struct):
    """How long one request took inside the application."""

    method: str
    path: str
    status: int
    milliseconds: float


class RequestTiming:
    """Measure each request, send the time as ``Server-Timing`` and keep the latest."""

    def __init__(self, keep: int = 15) -> None:
        self.recent: deque[Timing] = deque(maxlen=keep)

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.2f}"
        self.recent.appendleft(Timing(request.method, request.path, response.status, elapsed))
        return response


timing = RequestTiming()
app.add_middleware(timing)
app.add_middleware(SecurityMiddleware())
app.add_middleware(SessionMiddleware(MemorySessionStore()))
# The JSON API is for scripts and curl, without cookies: no CSRF token needed there.
app.add_middleware(CSRFMiddleware(exempt_paths=["/api/"]))


# -- the typed to-do API ----------------------------------------------------------------


class NewTodo(msgspec.Struct):
    """What a client sends to create a todo."""

    title: Annotated[str, msgspec.Meta(max_length=200)]
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
async def create_todo(new: NewTodo) -> tuple[Todo, int, dict[str, str]]:
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
async def delete_todo(todo_id: int) -> None:
    """Delete a todo; 204 whether or not it existed."""
    TODOS.pop(todo_id, None)


# -- background tasks -------------------------------------------------------------------

#: Seconds each step of the demo task takes (tests make it shorter).
STEP_SECONDS = 0.3
#: Progress of running jobs, ``job -> (steps done, steps)``: the workers run in this
#: process, so a dict is shared by the task and the status endpoint.
PROGRESS: dict[str, tuple[int, int]] = {}


@app.task("sum_of_squares", category="demo")
async def sum_of_squares(job: str, steps: int) -> dict[str, int]:
    """Add up ``1² + … + steps²`` slowly, reporting progress after every step."""
    total = 0
    for step in range(1, steps + 1):
        await asyncio.sleep(STEP_SECONDS)
        total += step * step
        PROGRESS[job] = (step, steps)
    return {"steps": steps, "sum": total}


class NewJob(msgspec.Struct):
    """A job to run in the background."""

    steps: Annotated[int, msgspec.Meta(ge=1, le=50)] = 10


class JobStatus(msgspec.Struct):
    """Where a background job is, as the tasks page polls it."""

    id: str
    status: str
    done: int
    steps: int
    result: dict[str, int] | None = None
    error: str | None = None


@api.post("/jobs")
async def start_job(new: NewJob) -> tuple[JobStatus, int, dict[str, str]]:
    """Enqueue a job; the answer names where to watch it."""
    job = secrets.token_hex(8)  # the task reports its progress under this key
    PROGRESS[job] = (0, new.steps)
    task_id = await app.add_background_task("sum_of_squares", "demo", job=job, steps=new.steps)
    status_url = app.url_for("api.job_status", task_id=task_id)
    return JobStatus(task_id, "pending", 0, new.steps), 202, {"Location": status_url}


@api.get("/jobs/<task_id>")
async def job_status(task_id: str) -> JobStatus:
    """A job's status, progress and result."""
    info = await app.get_task(task_id)
    if info is None:
        abort(404, f"no job {task_id}")
    done, steps = PROGRESS.get(info.kwargs["job"], (0, info.kwargs["steps"]))
    return JobStatus(task_id, info.status.value, done, steps, info.result, info.error)


@app.on_startup
async def start_workers() -> None:
    """Run two task workers in this process."""
    await app.start_task_workers("demo", worker_count=2)


@app.on_shutdown
async def remove_data() -> None:
    """Stop the workers and close the task database; drop a temporary data folder."""
    await app.tasks.close()
    if _OWN_DATA_DIR:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


# -- security: a rate-limited endpoint ---------------------------------------------------

limiter = TokenBucketLimiter(rate=0.2, capacity=3)  # bursts of 3, then one per 5 s


@api.post("/ping")
@rate_limit(limiter)
async def ping() -> dict[str, str]:
    """Answer, at most three times in a row per client; then 429 with Retry-After."""
    return {"pong": time.strftime("%H:%M:%S")}


app.register_blueprint(api)


# -- WebSockets: chat rooms ---------------------------------------------------------------

rooms = RoomManager()


class ChatMessage(msgspec.Struct):
    """What a chat client sends."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


_read_chat = msgspec.json.Decoder(ChatMessage).decode
_encode = msgspec.json.Encoder().encode


@app.websocket("/ws/chat/<room>")
async def chat(websocket: WebSocket, room: str) -> None:
    """Relay each message to everyone in ``room``; bad messages get an error back."""
    await websocket.accept()
    await rooms.join(room, websocket)
    await _announce(room)
    try:
        async for message in websocket:
            try:
                said = _read_chat(message.data)
            except msgspec.DecodeError as error:
                await websocket.send_text(_encode({"error": str(error)}).decode())
                continue
            said_event = {"room": room, "name": said.name, "text": said.text}
            await rooms.broadcast(room, _encode(said_event).decode())
    finally:
        await rooms.leave(room, websocket)
        await _announce(room)


async def _announce(room: str) -> None:
    event = {"room": room, "members": len(rooms.members(room))}
    await rooms.broadcast(room, _encode(event).decode())


# -- pages --------------------------------------------------------------------------------

PAGES = [
    ("index", "Overview"),
    ("routing", "Routing"),
    ("tasks", "Tasks"),
    ("chat_page", "Chat"),
    ("security", "Security"),
    ("middleware", "Middleware"),
    ("session_page", "Session"),
]


@app.template_global()
def pages() -> list[tuple[str, str]]:
    """The navigation: ``(endpoint, title)`` of every page."""
    return PAGES


@app.get("/")
async def index() -> str:
    """The overview: todos from the API and the uploaded attachments."""
    attachments = sorted(p.name for p in UPLOADS.iterdir()) if UPLOADS.is_dir() else []
    return await app.render_template(
        "index.html", todos=list(TODOS.values()), attachments=attachments
    )


@app.post("/attachments")
async def upload_attachment(request: Request) -> Response:
    """Store an uploaded file under a safe name, then go back to the page."""
    upload = (await request.get_files()).get("attachment")
    name = secure_filename(upload.filename) if upload is not None else ""
    if upload is None or not name:
        abort(400, "choose a file with a usable name")
    UPLOADS.mkdir(parents=True, exist_ok=True)
    await upload.save(UPLOADS / name)
    notification(request, f"Uploaded {name} ({upload.size} bytes)", "success")
    return redirect(app.url_for("index"), 303)


@app.get("/attachments/<path:name>")
async def download_attachment(name: str) -> Response:
    """Download an attachment; nothing outside the uploads folder is reachable."""
    return send_from_directory(UPLOADS, name, as_attachment=True)


@app.get("/routing")
async def routing() -> str:
    """A form that calls the typed API."""
    return await app.render_template("routing.html")


@app.get("/tasks")
async def tasks() -> str:
    """Start background jobs and watch them."""
    return await app.render_template("tasks.html")


@app.get("/chat")
async def chat_page() -> str:
    """The chat client."""
    return await app.render_template("chat.html")


GUESTBOOK: deque[str] = deque(maxlen=10)


@app.get("/security")
async def security() -> str:
    """The CSRF-protected guestbook, the rate-limited button and the security headers."""
    return await app.render_template("security.html", guestbook=list(GUESTBOOK))


@app.post("/security/guestbook")
async def sign_guestbook(request: Request) -> Response:
    """Add a line to the guestbook (the CSRF middleware checked the token first)."""
    line = str((await request.get_form()).get("line", "")).strip()[:200]
    if not line:
        abort(400, "write something first")
    GUESTBOOK.appendleft(line)
    notification(request, "Signed: the form carried this session's CSRF token.", "success")
    return redirect(app.url_for("security"), 303)


@app.get("/middleware")
async def middleware() -> str:
    """The latest requests and how long each took."""
    return await app.render_template("middleware.html", timings=list(timing.recent))


@app.get("/api/slow")
async def slow(ms: int = 250) -> dict[str, int]:
    """Wait ``ms`` milliseconds (up to two seconds), to see the timing middleware measure it."""
    if not 0 <= ms <= 2000:
        abort(422, "ms must be between 0 and 2000")
    await asyncio.sleep(ms / 1000)
    return {"slept_ms": ms}


@app.get("/session")
async def session_page(request: Request) -> str:
    """Count this browser's visits in its session."""
    session = request.session
    session["visits"] = session.get("visits", 0) + 1
    return await app.render_template(
        "session.html", visits=session["visits"], name=session.get("name")
    )


@app.post("/session/name")
async def remember_name(request: Request) -> Response:
    """Keep a name in the session and say so with a flash notification."""
    name = str((await request.get_form()).get("name", "")).strip()[:40]
    if not name:
        notification(request, "Type a name first.", "error")
    else:
        request.session["name"] = name
        notification(request, f"Hello, {name}! The session remembers you now.", "success")
    return redirect(app.url_for("session_page"), 303)


@app.post("/session/forget")
async def forget(request: Request) -> Response:
    """Empty the session (the notification goes into the emptied session)."""
    request.session.clear()
    notification(request, "Session cleared.", "info")
    return redirect(app.url_for("session_page"), 303)


@app.get("/health")
async def health() -> dict[str, str | int]:
    """Liveness probe."""
    return {"status": "ok", "todos": len(TODOS)}
