"""The reference README's Python samples run as written (see reference_readme.py).

Each runs in a namespace holding only what it uses but does not define: the ``app`` of
the "Application & Type-Safe Validation" sample for the sections that follow it,
``TaskPriority`` for the tasks sample, a ``find_user`` helper. The documented behaviour
is asserted through :class:`~gobstopper.testing.TestClient`; the same samples under a
real ``gobstopper run`` are in test_reference_readme_commands.py.
"""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path
from typing import Any

import pytest

from gobstopper import (
    Gobstopper,
    HTTPException,
    Request,
    abort,
    get_notifications,
    jsonify,
    make_response,
    secure_filename,
    send_from_directory,
)
from gobstopper.tasks import TaskPriority, TaskStatus
from gobstopper.testing import AsyncTestClient, TestClient
from gobstopper.websocket import WebSocket

from .conftest import StoppedClock
from .reference_readme import (
    APPLICATION,
    CONVENIENCE,
    LEDGER,
    RATE_LIMIT,
    SHARED_COPY,
    SIMPLE,
    TASKS,
    TEMPLATES,
    UPLOADS,
    WEBSOCKET,
)

USERS = {"1": {"id": 1, "name": "Ann"}}
JSON = {"accept": "application/json"}


def find_user(user_id: str) -> dict[str, Any] | None:
    """What the Flask/Quart sample calls but does not define."""
    return USERS.get(user_id)


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


def test_the_fixture_is_the_reference_readme() -> None:
    if not SHARED_COPY.exists():
        pytest.skip(f"{SHARED_COPY} is not on this machine")
    assert LEDGER.path.read_bytes() == SHARED_COPY.read_bytes()


def application() -> dict[str, Any]:
    """The namespace of the "Application & Type-Safe Validation" sample: its ``app`` is the
    one the following sections add to."""
    return APPLICATION.exec()


# -- Simple Example ---------------------------------------------------------------------


def test_simple_example(workdir: Path) -> None:
    app = SIMPLE.exec()["app"]
    with TestClient(app) as client:
        hello = client.get("/")
        user = client.get("/users/42")
    assert hello.status_code == 200
    assert hello.headers["content-type"] == "application/json"
    assert hello.json() == {"message": "Hello from Gobstopper!"}
    assert user.json() == {"user_id": "42", "name": "User 42"}


# -- Application & Type-Safe Validation -------------------------------------------------


def test_valid_user_is_created(workdir: Path) -> None:
    with TestClient(application()["app"]) as client:
        response = client.post("/api/users", json={"name": "Ann", "email": "ann@example.com"})
    assert response.status_code == 200
    assert response.json() == {"message": "Created user: Ann"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Ann", "email": "ann@example.com", "age": "forty"}, "age"),
        ({"name": "Ann"}, "email"),
    ],
)
def test_invalid_user_gets_422_naming_the_field(
    workdir: Path, body: dict[str, Any], field: str
) -> None:
    with TestClient(application()["app"]) as client:
        response = client.post("/api/users", json=body)
    assert response.status_code == 422
    assert f"`{field}`" in response.json()["message"]


def test_wrong_type_is_named_in_the_422_detail(workdir: Path) -> None:
    with TestClient(application()["app"]) as client:
        response = client.post("/api/users", json={"name": "Ann", "email": 5})
    assert response.json()["detail"] == {"field": "email", "message": "Expected `str`, got `int`"}


def test_missing_field_is_named_in_the_422_detail(workdir: Path) -> None:
    with TestClient(application()["app"]) as client:
        response = client.post("/api/users", json={"name": "Ann"})
    assert response.json()["detail"]["field"] == "email"


def test_user_body_that_is_not_json_gets_415(workdir: Path) -> None:
    with TestClient(application()["app"]) as client:
        response = client.post("/api/users", data={"name": "Ann"})
    assert response.status_code == 415


def test_update_takes_the_path_parameter_and_a_partial_body(workdir: Path) -> None:
    with TestClient(application()["app"]) as client:
        response = client.put("/api/users/7", json={"email": "new@example.com"})
    assert response.status_code == 200
    assert response.json() == {
        "updated": "7",
        "changes": {"name": None, "email": "new@example.com"},
    }


def test_manual_json_is_echoed(workdir: Path) -> None:
    with TestClient(application()["app"]) as client:
        response = client.post("/api/data", json={"items": [1, 2], "nested": {"ok": True}})
    assert response.json() == {"received": {"items": [1, 2], "nested": {"ok": True}}}


def test_cors_middleware_allows_every_origin(workdir: Path) -> None:
    origin = {"origin": "https://elsewhere.example"}
    with TestClient(application()["app"]) as client:
        simple = client.post("/api/data", json={}, headers=origin)
        preflight = client.options(
            "/api/users",
            headers={**origin, "access-control-request-method": "POST"},
        )
    assert simple.headers["access-control-allow-origin"] == "*"
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]


# -- Background Tasks -------------------------------------------------------------------


async def test_high_priority_task_runs_on_the_workers_and_its_result_is_stored(
    workdir: Path,
) -> None:
    namespace = application()
    app = namespace["app"]
    async with AsyncTestClient(app):
        await TASKS.exec_async(namespace, TaskPriority=TaskPriority)
        task_id = namespace["task_id"]
        info = await app.get_task(task_id)
        for _ in range(200):
            if info.status is TaskStatus.SUCCESS:
                break
            await asyncio.sleep(0.02)
            info = await app.get_task(task_id)
    assert info.status is TaskStatus.SUCCESS
    assert info.priority is TaskPriority.HIGH
    assert info.kwargs == {"to": "user@example.com", "subject": "Welcome!"}
    assert info.result == {"status": "sent"}


# -- WebSocket --------------------------------------------------------------------------


def test_websocket_echoes(workdir: Path, caplog: pytest.LogCaptureFixture) -> None:
    namespace = application()
    WEBSOCKET.exec(namespace)
    with TestClient(namespace["app"]) as client, client.websocket_connect("/ws/chat") as ws:
        ws.send_text("hi")
        assert ws.receive_text() == "Echo: hi"
        ws.send_text("again")
        assert ws.receive_text() == "Echo: again"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


# -- Templates --------------------------------------------------------------------------


def test_index_template_renders_the_message(workdir: Path) -> None:
    (workdir / "templates").mkdir()
    (workdir / "templates" / "index.html").write_text("<h1>{{ message }}</h1>\n")
    namespace = application()
    TEMPLATES.exec(namespace)
    with TestClient(namespace["app"]) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == "<h1>Hello World!</h1>"


# -- File Uploads -----------------------------------------------------------------------


@pytest.fixture
def uploads_client(workdir: Path) -> TestClient:
    """The upload sample on the application, in a directory that has ``uploads/``."""
    (workdir / "uploads").mkdir()
    (workdir / "secret.txt").write_text("outside uploads")
    namespace = application()
    UPLOADS.exec(namespace)
    with TestClient(namespace["app"]) as client:
        yield client


@pytest.mark.parametrize("size", [1000, 3 * 1024 * 1024], ids=["in-memory", "spooled-to-disk"])
def test_upload_is_written_to_uploads_and_served_back(
    uploads_client: TestClient, workdir: Path, size: int
) -> None:
    payload = bytes(range(256)) * (size // 256)
    stored = uploads_client.post(
        "/upload", files={"document": ("../Quarterly Report.pdf", payload, "application/pdf")}
    )
    assert stored.status_code == 200
    assert stored.json() == {"uploaded": "Quarterly_Report.pdf"}
    assert (workdir / "uploads" / "Quarterly_Report.pdf").read_bytes() == payload
    served = uploads_client.get("/files/Quarterly_Report.pdf")
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.content == payload


def test_upload_without_the_field_gets_400(uploads_client: TestClient) -> None:
    response = uploads_client.post("/upload", files={"other": ("a.txt", b"a")})
    assert response.status_code == 400
    assert response.json() == {"error": "No file"}


@pytest.mark.parametrize(
    "path", ["/files/../secret.txt", "/files/%2e%2e/secret.txt", "/files/..%2fsecret.txt"]
)
def test_files_route_refuses_traversal(uploads_client: TestClient, path: str) -> None:
    response = uploads_client.get(path)
    assert response.status_code == 404
    assert "outside uploads" not in response.text


# -- Flask/Quart Convenience Features ---------------------------------------------------


@pytest.fixture
def convenience_client(workdir: Path) -> TestClient:
    """The convenience sample on an application of its own (it defines ``get_user`` and
    ``create_user`` again), plus a page that shows the notifications."""
    app = Gobstopper("docs_sample")
    CONVENIENCE.exec(app=app, find_user=find_user)

    @app.get("/next-page")
    async def next_page(request):
        return {"shown": get_notifications(request, with_categories=True)}

    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [("/users/abc", 400, "Invalid user ID"), ("/users/2", 404, "User not found")],
)
def test_abort_answers_with_status_and_message(
    convenience_client: TestClient, path: str, status: int, message: str
) -> None:
    as_json = convenience_client.get(path, headers=JSON)
    as_page = convenience_client.get(path, headers={"accept": "text/html"})
    assert as_json.status_code == as_page.status_code == status
    assert as_json.json()["message"] == message
    assert message in as_page.text
    assert as_page.headers["content-type"].startswith("text/html")


def test_found_user_is_returned(convenience_client: TestClient) -> None:
    assert convenience_client.get("/users/1").json() == {"user": {"id": 1, "name": "Ann"}}


def test_make_response_sets_status_and_header_and_notification_is_shown_once(
    convenience_client: TestClient,
) -> None:
    created = convenience_client.post("/users")
    assert created.status_code == 201
    assert created.headers["x-user-id"] == "123"
    assert created.json() == {"id": 123}
    shown = convenience_client.get("/next-page").json()["shown"]
    assert shown == [["success", "User created successfully!"]]
    assert convenience_client.get("/next-page").json()["shown"] == []


def test_one_app_for_every_section_refuses_the_second_create_user(workdir: Path) -> None:
    namespace = application()
    with pytest.raises(ValueError, match="endpoint 'create_user' is already used"):
        CONVENIENCE.exec(namespace, find_user=find_user)


# -- Basic Rate Limiting ----------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after_after_the_burst(
    workdir: Path, limiter_clock: StoppedClock
) -> None:
    namespace = application()
    RATE_LIMIT.exec(namespace)
    with TestClient(namespace["app"]) as client:
        burst = [client.get("/limited") for _ in range(10)]
        refused = client.get("/limited")
        limiter_clock.now += 0.2  # 5 tokens a second: one more request may pass
        again = client.get("/limited")
    assert [r.status_code for r in burst] == [200] * 10
    assert burst[0].json() == {"ok": True}
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["ratelimit-limit"] == "10"
    assert again.status_code == 200


# -- What the README calls without await, and what it awaits ----------------------------


def test_what_the_readme_calls_without_await_returns_its_result(workdir: Path) -> None:
    (workdir / "uploads").mkdir()
    (workdir / "uploads" / "a.txt").write_text("a")
    results = [
        jsonify({"message": "hi"}),
        make_response({"id": 123}, 201, {"X-User-ID": "123"}),
        secure_filename("../a b.txt"),
        send_from_directory("uploads", "a.txt"),
    ]
    assert not [result for result in results if inspect.isawaitable(result)]
    assert results[2] == "a_b.txt"
    with pytest.raises(HTTPException):
        abort(404, "User not found")


@pytest.mark.parametrize(
    "method",
    [
        Request.get_json,
        Request.get_files,
        Gobstopper.render_template,
        Gobstopper.add_background_task,
        Gobstopper.start_task_workers,
        WebSocket.accept,
        WebSocket.receive,
        WebSocket.send_text,
    ],
    ids=lambda method: method.__qualname__,
)
def test_what_the_readme_awaits_is_a_coroutine_function(method: Any) -> None:
    assert inspect.iscoroutinefunction(method)
