"""Code written the way Flask, Quart and the reference README write it works as written."""

from __future__ import annotations

import logging
import sys
import textwrap
import types
from typing import Any

import msgspec
import pytest

from gobstopper import Gobstopper, g, render_template, request, session, url_for
from gobstopper.sessions import MemorySessionStore, SessionMiddleware
from gobstopper.testing import TestClient
from gobstopper.websocket import WebSocketDisconnect


class User(msgspec.Struct):
    name: str
    age: int = 0


# -- handler parameters -------------------------------------------------------------------


def test_an_unannotated_request_parameter_receives_the_request_at_any_position() -> None:
    app = Gobstopper(__name__)

    @app.get("/first")
    async def first(request):
        return {"path": request.path}

    @app.get("/last/<item_id>")
    async def last(item_id: str, page: int = 1, request=None):
        return {"item": item_id, "page": page, "method": request.method}

    @app.post("/users/<user_id>")
    async def with_body(request, user_id: str, user: User):
        return {"id": user_id, "name": user.name, "type": request.headers["content-type"]}

    @app.route("/sync")
    def sync_view(request):
        return request.args.get("q", "none")

    client = TestClient(app)
    assert client.get("/first").json() == {"path": "/first"}
    assert client.get("/last/7?page=3").json() == {"item": "7", "page": 3, "method": "GET"}
    created = client.post("/users/9", json={"name": "Ada"})
    assert created.status_code == 200
    assert created.json() == {"id": "9", "name": "Ada", "type": "application/json"}
    assert client.get("/sync?q=hello").text == "hello"


def test_a_positional_only_request_receives_the_request() -> None:
    app = Gobstopper(__name__)

    @app.get("/p")
    async def view(request, /, q: str = "-"):
        return f"{request.path} {q}"

    assert TestClient(app).get("/p?q=x").text == "/p x"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("async def view(request: int): ...", "view: parameter 'request' is annotated"),
        (
            "async def view(request, req: Request): ...",
            r"view asks for the request twice \('request' and 'req'\)",
        ),
        ("async def view(q, /): ...", "view: parameter 'q' is positional-only"),
        (
            "async def view(a: User, b: User): ...",
            r"view declares two body parameters \('a' and 'b'\)",
        ),
        ("async def view(): ...", r"view does not accept path parameter\(s\) \['item_id'\]"),
    ],
)
def test_impossible_signatures_fail_at_registration_naming_handler_and_parameter(
    source: str, message: str
) -> None:
    from gobstopper import Request

    namespace: dict[str, Any] = {"Request": Request, "User": User}
    exec(source, namespace)
    app = Gobstopper(__name__)
    with pytest.raises(TypeError, match=message):
        app.get("/items/<item_id>")(namespace["view"])


# -- Flask's hook signatures --------------------------------------------------------------


def test_flask_style_hooks_without_the_request_work() -> None:
    app = Gobstopper(__name__)
    calls: list[Any] = []

    @app.before_request
    def before():
        calls.append(("before", request.path))

    @app.after_request
    def after(response):
        response.headers["X-After"] = "flask"
        return response

    @app.teardown_request
    async def teardown(exc):
        calls.append(("teardown", exc))

    @app.get("/")
    async def index():
        return "ok"

    response = TestClient(app).get("/")
    assert response.status_code == 200
    assert response.headers["x-after"] == "flask"
    assert calls == [("before", "/"), ("teardown", None)]


def test_gobstopper_style_hooks_still_receive_the_request() -> None:
    app = Gobstopper(__name__)

    @app.before_request
    async def before(request):
        if request.args.get("block"):
            return {"blocked": True}, 403
        return None

    @app.after_request
    def after(request, response):
        response.headers["X-Path"] = request.path
        return response

    @app.get("/")
    async def index():
        return "ok"

    client = TestClient(app)
    assert client.get("/?block=1").status_code == 403
    assert client.get("/").headers["x-path"] == "/"


@pytest.mark.parametrize(
    ("decorator", "source", "message"),
    [
        ("after_request", "def hook(request): ...", "after_request hook hook takes only"),
        ("before_request", "def hook(a, b, c): ...", "before_request hook hook takes 3"),
        ("teardown_request", "def hook(a, b, c): ...", "teardown_request hook hook takes 3"),
    ],
)
def test_hooks_with_impossible_signatures_fail_at_registration(
    decorator: str, source: str, message: str
) -> None:
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    app = Gobstopper(__name__)
    with pytest.raises(TypeError, match=message):
        getattr(app, decorator)(namespace["hook"])


# -- context locals -----------------------------------------------------------------------


def test_request_session_and_g_follow_the_current_request() -> None:
    app = Gobstopper(__name__, secret_key="k" * 32)
    app.add_middleware(SessionMiddleware(MemorySessionStore()))

    @app.before_request
    def remember():
        g.visitor = request.args.get("name", "anonymous")

    @app.post("/login")
    async def login():
        session["user"] = g.visitor
        return {"stored": session["user"]}

    @app.get("/me")
    async def me():
        return {"user": session.get("user"), "visitor": g.visitor, "has_g": "visitor" in g}

    client = TestClient(app)
    assert client.post("/login?name=ada").json() == {"stored": "ada"}
    assert client.get("/me?name=bob").json() == {"user": "ada", "visitor": "bob", "has_g": True}


def test_g_does_not_leak_between_requests() -> None:
    app = Gobstopper(__name__)

    @app.get("/set")
    async def set_value():
        g.value = 1
        return "set"

    @app.get("/read")
    async def read_value():
        return {"value": g.get("value", "unset")}

    client = TestClient(app)
    client.get("/set")
    assert client.get("/read").json() == {"value": "unset"}


def test_context_locals_outside_a_request_raise_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="there is no request here"):
        _ = request.path
    with pytest.raises(RuntimeError, match="there is no request here"):
        g.x = 1
    assert repr(request) == "<gobstopper.request outside a request>"
    assert not request


def _helper_module() -> types.ModuleType:
    """A module that reads ``request`` but defines no handler (so it is not detected)."""
    module = types.ModuleType("helper_reading_request")
    exec(
        textwrap.dedent(
            """
            import gobstopper.globals as context

            def current_path():
                return context.request.path
            """
        ),
        module.__dict__,
    )
    sys.modules[module.__name__] = module
    return module


def test_code_in_another_module_reads_the_request_with_request_context_on() -> None:
    namespace: dict[str, Any] = {"helper": _helper_module()}
    exec("def where():\n    return helper.current_path()", namespace)
    for setting, expected in [(True, 200), (None, 500)]:
        app = Gobstopper("no_such_module_for_tests", request_context=setting)
        app.add_url_rule("/where", "where", namespace["where"])
        response = TestClient(app).get("/where")
        assert response.status_code == expected
        if expected == 200:
            assert response.text == "/where"


def test_module_level_render_template_and_url_for_use_the_requests_app(tmp_path) -> None:
    (tmp_path / "hello.html").write_text("Hello {{ name }} at {{ url_for('page') }}")
    first = Gobstopper(__name__, template_folder=str(tmp_path))
    second = Gobstopper(__name__, template_folder=None)

    @first.get("/first/page")
    async def page():
        return await render_template("hello.html", name="Ada")

    @second.get("/second/page", endpoint="page")
    async def second_page():
        return url_for("page")

    TestClient(second).get("/second/page")  # the last application to start
    assert TestClient(first).get("/first/page").text == "Hello Ada at /first/page"
    assert TestClient(second).get("/second/page").text == "/second/page"


def test_an_app_that_reads_no_context_does_not_set_it() -> None:
    namespace: dict[str, Any] = {}
    exec("async def index():\n    return 'plain'", namespace)
    app = Gobstopper("no_such_module_for_tests", template_folder=None)
    app.add_url_rule("/", "index", namespace["index"])
    assert TestClient(app).get("/").text == "plain"
    assert app.uses_request_context is False


# -- WebSockets written the Quart way -----------------------------------------------------


def test_websocket_is_accepted_on_first_receive_or_send() -> None:
    app = Gobstopper(__name__)

    @app.websocket("/ws/receive-first")
    async def receive_first(websocket):
        message = await websocket.receive()
        await websocket.send(message)

    @app.websocket("/ws/send-first")
    async def send_first(websocket):
        await websocket.send_text("hello")

    client = TestClient(app)
    with client.websocket_connect("/ws/receive-first") as ws:
        ws.send_text("ping")
        assert ws.receive_text() == "ping"
        ws.send_bytes(b"\x01")
    with client.websocket_connect("/ws/receive-first") as ws:
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_bytes() == b"\x00\x01"
    with client.websocket_connect("/ws/send-first") as ws:
        assert ws.receive_text() == "hello"


def test_sending_something_that_is_not_text_or_bytes_names_the_right_method(caplog) -> None:
    app = Gobstopper(__name__)
    errors: list[str] = []

    @app.websocket("/ws")
    async def handler(websocket):
        await websocket.accept()
        try:
            await websocket.send({"a": 1})
        except TypeError as error:
            errors.append(str(error))
        await websocket.send_text("done")

    with TestClient(app).websocket_connect("/ws") as ws:
        assert ws.receive_text() == "done"
    assert errors == [
        "websocket.send() cannot send a dict: send_text() takes str, send_bytes() takes "
        "bytes, send_json() takes anything JSON can encode"
    ]


def test_a_handler_returning_without_accepting_is_refused_and_logged(caplog) -> None:
    from gobstopper.testing import WebSocketRejected

    app = Gobstopper(__name__)

    @app.websocket("/ws/lazy")
    async def lazy(websocket):
        return None

    caplog.set_level(logging.WARNING, logger="gobstopper")
    client = TestClient(app)
    with pytest.raises(WebSocketRejected) as rejected, client.websocket_connect("/ws/lazy"):
        pass
    assert rejected.value.status == 403
    assert "lazy returned without accepting" in caplog.text


def test_receive_after_the_client_left_raises_disconnect() -> None:
    app = Gobstopper(__name__)
    outcome: list[str] = []

    @app.websocket("/ws")
    async def handler(websocket):
        try:
            while True:
                await websocket.receive()
        except WebSocketDisconnect:
            outcome.append("disconnected")
            raise

    with TestClient(app).websocket_connect("/ws") as ws:
        ws.send_text("one")
    assert outcome == ["disconnected"]


# -- app.cli --------------------------------------------------------------------------------


def test_app_cli_is_a_click_group_owned_by_the_app() -> None:
    import click

    app = Gobstopper(__name__)

    @app.cli.command("seed")
    def seed() -> None:
        click.echo("seeded")

    assert isinstance(app.cli, click.Group)
    assert app.cli is app.cli
    assert "seed" in app.cli.commands


# -- a forgotten await ----------------------------------------------------------------------


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_returning_an_unawaited_get_json_names_the_missing_await() -> None:
    app = Gobstopper(__name__, debug=True)

    @app.post("/returned")
    async def returned(request):
        return request.get_json()

    @app.post("/nested")
    async def nested(request):
        return {"received": request.get_json()}

    client = TestClient(app)
    for path in ("/returned", "/nested"):
        response = client.post(path, json={"x": 1})
        assert response.status_code == 500
        assert response.json()["traceback"].splitlines()[-1] == (
            "TypeError: Request.get_json() was called without await, so a coroutine reached "
            "the response instead of its result: write `await request.get_json(...)`"
        )


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes need Python 3.11")
def test_using_an_unawaited_coroutine_as_a_value_gets_a_hint(recwarn) -> None:
    app = Gobstopper(__name__, debug=True)

    @app.post("/indexed")
    async def indexed(request):
        data = request.get_json()
        return {"x": data["x"]}

    response = TestClient(app).post("/indexed", json={"x": 1})
    assert response.status_code == 500
    last_lines = response.json()["traceback"].splitlines()[-2:]
    assert last_lines[0] == "TypeError: 'coroutine' object is not subscriptable"
    assert "write `data = await request.get_json()`" in last_lines[1]
