"""The Rust core's dispatcher and the Python ``serve`` answer every request identically:
status, headers in order, body, for each kind of result and each error path.

Each case runs on two copies of the same application: one through ``app.__rsgi__`` (the
Rust ``Dispatcher``), one through :func:`gobstopper.serving.serve`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from types import ModuleType
from typing import Any

import msgspec
import pytest
from markupsafe import Markup

from gobstopper import (
    Blueprint,
    FileResponse,
    Gobstopper,
    JSONResponse,
    PlainTextResponse,
    Request,
    Response,
    StreamResponse,
    abort,
    dispatch,
    request,
)
from gobstopper.accelerators import native
from gobstopper.dispatch import request_preset
from gobstopper.serving import serve
from gobstopper.testing.rsgi import HTTPExchange, Scope


class Item(msgspec.Struct):
    name: str
    price: float


class TeapotResponse(Response):
    """A response class defined by the application, with a send() of its own."""

    def send(self, protocol: Any, request: Request | None = None) -> None:
        protocol.response_str(418, [*self.raw_headers, ("x-teapot", "yes")], "short and stout")


class Awaitable:
    """What a handler may return instead of a coroutine: an awaitable object."""

    def __await__(self) -> Any:
        yield from asyncio.sleep(0).__await__()
        return "awaited"


def build(request_context: bool) -> Gobstopper:
    """The application under test (``request_context``: whether requests are made current)."""
    app = Gobstopper(__name__, request_context=request_context, static_folder=None)

    @app.get("/plain")
    async def plain() -> PlainTextResponse:
        return PlainTextResponse("Hello, World!")

    @app.get("/str")
    async def text() -> str:
        return "<p>hi</p>"

    @app.get("/markup")
    async def markup() -> Response:
        return Response(Markup("<b>safe</b>"))

    @app.get("/dict")
    async def mapping() -> dict[str, Any]:
        return {"message": "Hello, World!"}

    @app.get("/list")
    async def sequence() -> list[int]:
        return [1, 2, 3]

    @app.get("/bytes")
    async def raw() -> bytes:
        return b"\x00\x01"

    @app.get("/none")
    async def nothing() -> None:
        return None

    @app.get("/empty")
    async def empty() -> Response:
        return Response("", 200, {"x-empty": "1"})

    @app.get("/no-content")
    async def no_content() -> Response:
        return Response("ignored", 204)

    @app.get("/tuple")
    async def pair() -> Any:
        return "created", 201

    @app.get("/tuple/<kind>")
    async def pairs(kind: str) -> Any:
        # (body, status) pairs the dispatcher sends without a response, and near misses.
        return {
            "json": ({"made": True}, 201),
            "empty": ("", 201),
            "no-content": ({"gone": True}, 204),
            "bool": ({"odd": True}, True),
            "headers": ("text", {"X-Id": "7"}),
            "bytes": (b"raw", 202),
            "struct": (Item("gob", 2.5), 200),
            "unencodable": ({"when": object()}, 201),
            "single": ("alone",),
        }[kind]

    @app.get("/tuple-headers")
    async def triple() -> Any:
        return {"ok": True}, 202, {"X-Id": "7"}

    @app.get("/struct")
    async def struct() -> Item:
        return Item("gob", 2.5)

    @app.get("/json-status")
    async def json_status() -> JSONResponse:
        return JSONResponse({"a": 1}, status=201, headers={"X-A": "b"})

    @app.get("/stream")
    async def stream() -> StreamResponse:
        async def parts() -> Any:
            yield "a"
            yield b"b"

        return StreamResponse(parts(), content_type="text/plain")

    @app.get("/file")
    async def file() -> FileResponse:
        return FileResponse(__file__)

    @app.get("/stream-for/<name>")
    async def stream_for(request: Request, name: str) -> StreamResponse:
        async def parts() -> Any:
            yield f"{request.method} {name}"

        return StreamResponse(parts())

    @app.get("/teapot")
    async def teapot() -> TeapotResponse:
        return TeapotResponse("ignored")

    @app.get("/users/<int:user_id>")
    async def user(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    @app.get("/orgs/<int:org>/repos/<repo>")
    async def repo(org: int, repo: str) -> dict[str, Any]:
        return {"org": org, "repo": repo}

    @app.get("/request/<name>")
    async def with_request(request, name: str):  # type: ignore[no-untyped-def]
        return f"{request.method} {request.path} {name} {request.args.get('q')}"

    @app.get("/current")
    async def current() -> str:
        return request.path if request_context else "off"

    @app.get("/proxy/<name>")
    async def proxy(name: str) -> str:
        # The request made on first use is the same one each time (g lives on it).
        if not request_context:
            return "off"
        request.g.seen = name
        return f"{request.endpoint} {request.path_params} {request.g.seen} {request.method}"

    @app.get("/proxy-callback")
    async def proxy_callback() -> str:
        if request_context:

            @request.after_this_request
            def tag(response: Response) -> None:
                response.headers["x-after"] = "proxy"

        return "callback through the proxy"

    @app.get("/proxy-task")
    async def proxy_task() -> str:
        # A task the handler starts copies its context: it finds the same request.
        async def later() -> str:
            await asyncio.sleep(0)
            return request.path if request_context else "off"

        return await asyncio.create_task(later())

    @app.get("/slots")
    async def slots(request: Request) -> dict[str, Any]:
        # What a request holds as its handler starts, however it was made.
        held = {
            slot: type(getattr(request, slot)).__name__ if hasattr(request, slot) else "unset"
            for slot in Request.__slots__
        }
        return {"held": held, "app": request.app is app, "class": type(request).__name__}

    @app.get("/sync")
    def sync_handler() -> str:
        return "from a thread"

    @app.get("/sleep")
    async def sleepy() -> str:
        await asyncio.sleep(0.01)
        return "slept"

    @app.get("/abort")
    async def aborted() -> str:
        abort(404)

    @app.get("/abort-after-sleep")
    async def aborted_later() -> str:
        await asyncio.sleep(0)
        abort(403, "go away")

    @app.get("/crash")
    async def crash() -> str:
        raise RuntimeError("boom")

    @app.get("/handled")
    async def handled() -> str:
        raise KeyError("missing")

    @app.errorhandler(KeyError)
    async def on_key_error(request: Request, error: KeyError) -> Any:
        return {"handled": str(error)}, 409

    @app.get("/unconvertible")
    async def unconvertible() -> Any:
        return object()

    @app.get("/bad-json")
    async def bad_json() -> Any:
        return {"when": object()}

    @app.get("/not-awaited")
    async def not_awaited() -> Any:
        return sleepy()

    @app.get("/awaitable")
    def awaitable() -> Any:
        return Awaitable()

    @app.get("/callback")
    async def callback(request: Request) -> str:
        @request.after_this_request
        def tag(response: Response) -> None:
            response.headers["x-after"] = "1"

        return "with callback"

    @app.get("/cookie")
    async def cookie() -> Response:
        response = Response("cookie")
        response.set_cookie("seen", "1", secure=False)
        return response

    @app.get("/query")
    async def query(q: int) -> dict[str, int]:
        return {"q": q}

    @app.get("/typed/<value>")
    async def typed(value: int, request: Request) -> dict[str, Any]:
        return {"value": value, "params": request.path_params}

    @app.post("/items")
    async def create(item: Item) -> Any:
        return item, 201

    @app.route("/both", methods=["GET", "POST"])
    async def both(request: Request) -> str:
        return request.method

    hooked = Blueprint("hooked", __name__, url_prefix="/hooked")

    @hooked.before_request
    async def before(request: Request) -> Any:
        if request.args.get("stop"):
            return "stopped by the hook", 403
        if request.args.get("abort"):
            abort(409, "refused by the hook")
        return None

    @hooked.after_request
    async def after(request: Request, response: Response) -> Response:
        response.headers["x-after"] = "seen"
        return response

    @hooked.teardown_request
    async def teardown(request: Request, error: BaseException | None) -> None:
        LAST_TEARDOWN[request.app] = repr(error)

    @hooked.get("/")
    async def hooked_index() -> str:
        return "hooked"

    @hooked.get("/crash")
    async def hooked_crash() -> str:
        raise ValueError("crashed behind hooks")

    @hooked.get("/user/<int:user_id>")
    async def hooked_user(user_id: int) -> dict[str, int]:
        return {"user": user_id}

    app.register_blueprint(hooked)

    @app.get("/slash/")
    async def slash() -> str:
        return "slash"

    return app


REQUESTS = [
    ("GET", "/plain", ""),
    ("GET", "/str", ""),
    ("GET", "/markup", ""),
    ("GET", "/dict", ""),
    ("GET", "/list", ""),
    ("GET", "/bytes", ""),
    ("GET", "/none", ""),
    ("GET", "/empty", ""),
    ("GET", "/no-content", ""),
    ("GET", "/tuple", ""),
    ("GET", "/tuple-headers", ""),
    *[
        ("GET", f"/tuple/{kind}", "")
        for kind in [
            "json",
            "empty",
            "no-content",
            "bool",
            "headers",
            "bytes",
            "struct",
            "unencodable",
            "single",
        ]
    ],
    ("GET", "/struct", ""),
    ("GET", "/json-status", ""),
    ("GET", "/stream", ""),
    ("GET", "/file", ""),
    ("GET", "/stream-for/ann", ""),
    ("GET", "/teapot", ""),
    ("GET", "/users/42", ""),
    ("GET", "/users/x", ""),
    ("GET", "/orgs/3/repos/gob", ""),
    ("GET", "/orgs/3/repos/\udcff", ""),  # not UTF-8: the router's Python fallback
    ("GET", "/request/ann", "q=1"),
    ("GET", "/current", ""),
    ("GET", "/slots", ""),
    ("GET", "/proxy/ann", ""),
    ("GET", "/proxy-callback", ""),
    ("GET", "/proxy-task", ""),
    ("GET", "/sync", ""),
    ("GET", "/sleep", ""),
    ("GET", "/abort", ""),
    ("GET", "/abort-after-sleep", ""),
    ("GET", "/crash", ""),
    ("GET", "/handled", ""),
    ("GET", "/unconvertible", ""),
    ("GET", "/bad-json", ""),
    ("GET", "/not-awaited", ""),
    ("GET", "/awaitable", ""),
    ("GET", "/callback", ""),
    ("GET", "/cookie", ""),
    ("GET", "/query", "q=5"),
    ("GET", "/query", "q=x"),
    ("GET", "/query", ""),
    ("GET", "/typed/5", ""),
    ("GET", "/typed/x", ""),
    ("POST", "/items", ""),
    ("GET", "/both", ""),
    ("POST", "/both", ""),
    ("DELETE", "/both", ""),
    ("OPTIONS", "/both", ""),
    ("HEAD", "/plain", ""),
    ("GET", "/hooked/", ""),
    ("GET", "/hooked/", "stop=1"),
    ("GET", "/hooked/", "abort=1"),
    ("GET", "/hooked/crash", ""),
    ("GET", "/slash", ""),
    ("GET", "/nowhere", ""),
    ("GET", "/hooked/user/7", ""),
]

ITEM = b'{"name": "gob", "price": 2.5}'
#: What the hooked routes' teardown hook saw last, by application.
LAST_TEARDOWN: dict[Gobstopper, str] = {}


async def answer(
    entry: Callable[[Any, Any], Any], method: str, path: str, query: str
) -> tuple[int | None, list[tuple[str, str]], bytes]:
    headers = [("host", "testserver")]
    body = b""
    if method == "POST":
        body = ITEM
        headers += [("content-type", "application/json"), ("content-length", str(len(body)))]
    scope = Scope("http", method, path, query, headers, "http", "127.0.0.1:40000")
    exchange = HTTPExchange(body)
    await entry(scope, exchange)
    return exchange.status, exchange.headers, b"".join(exchange.chunks)


def served_both_ways(
    rust_core: ModuleType,
    request_context: bool,
    make: Callable[[bool], Gobstopper] = build,
) -> tuple[Gobstopper, Gobstopper]:
    """Two started copies of the application ``make`` builds: one for the dispatcher, one
    for ``serve``."""
    if native() is None:
        pytest.skip("GOBSTOPPER_NO_RUST is set: applications serve through Python")
    rust, python = make(request_context), make(request_context)
    asyncio.run(rust.startup())
    asyncio.run(python.startup())
    assert isinstance(rust.__rsgi__, rust_core.Dispatcher)
    return rust, python


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
@pytest.mark.parametrize("request_context", [False, True], ids=["plain", "request-context"])
def test_dispatcher_answers_as_serve_does(
    rust_core: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    request_context: bool,
    production: bool,
) -> None:
    if production:
        monkeypatch.setenv("GOBSTOPPER_ENV", "production")
        monkeypatch.setenv("GOBSTOPPER_SECRET_KEY", "parity")
    rust, python = served_both_ways(rust_core, request_context)

    async def compare() -> None:
        for method, path, query in REQUESTS:
            expected = await answer(partial(serve, python), method, path, query)
            got = await answer(rust.__rsgi__, method, path, query)
            assert got == expected, (method, path, query)
            teardowns = LAST_TEARDOWN.pop(rust, None), LAST_TEARDOWN.pop(python, None)
            assert teardowns[0] == teardowns[1], (method, path, query)
        assert rust.__rsgi__.installed
        assert rust.__rsgi__.makes_requests_natively
        assert teardowns == ("None", "None")  # the last request ran the hooked route's teardown

    asyncio.run(compare())


def test_dispatcher_waits_for_its_handler(rust_core: ModuleType) -> None:
    """Concurrent requests to a handler that awaits interleave on the event loop."""
    rust, _ = served_both_ways(rust_core, False)

    async def together() -> list[tuple[int | None, list[tuple[str, str]], bytes]]:
        return await asyncio.gather(
            *(answer(rust.__rsgi__, "GET", "/sleep", "") for _ in range(20))
        )

    started = asyncio.run(together())
    assert {body for _, _, body in started} == {b"slept"}


def test_dispatcher_passes_cancellation_to_its_handler(rust_core: ModuleType) -> None:
    rust, _ = served_both_ways(rust_core, False)

    async def cancelled() -> None:
        task = asyncio.ensure_future(answer(rust.__rsgi__, "GET", "/sleep", ""))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancelled())


def test_dispatcher_serves_through_python_with_middleware(rust_core: ModuleType) -> None:
    if native() is None:
        pytest.skip("GOBSTOPPER_NO_RUST is set: applications serve through Python")
    app = build(False)

    async def tag(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers["x-middleware"] = "1"
        return response

    app.add_middleware(tag)
    asyncio.run(app.startup())
    status, headers, body = asyncio.run(answer(app.__rsgi__, "GET", "/plain", ""))
    assert (status, body) == (200, b"Hello, World!")
    assert ("x-middleware", "1") in headers
    assert not app.__rsgi__.installed


class RequestWithDict(Request):
    """A request class the dispatcher cannot make itself: its instances have a __dict__."""

    def __init__(self, scope: Any, protocol: Any, app: Gobstopper) -> None:
        super().__init__(scope, protocol, app)
        self.notes: list[str] = []


def test_dispatcher_calls_a_request_class_it_cannot_make(
    rust_core: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    if native() is None:
        pytest.skip("GOBSTOPPER_NO_RUST is set: applications serve through Python")
    monkeypatch.setattr(dispatch, "Request", RequestWithDict)
    app = build(True)
    asyncio.run(app.startup())
    asyncio.run(answer(app.__rsgi__, "GET", "/plain", ""))  # starts serving: install()
    status, _, body = asyncio.run(answer(app.__rsgi__, "GET", "/slots", ""))
    assert app.__rsgi__.installed
    assert not app.__rsgi__.makes_requests_natively
    assert status == 200
    assert msgspec.json.decode(body)["class"] == "RequestWithDict"
    status, _, body = asyncio.run(answer(app.__rsgi__, "GET", "/proxy/bob", ""))
    assert (status, body) == (200, b"proxy {'name': 'bob'} bob GET")


def test_request_preset_is_only_shared_objects() -> None:
    app = Gobstopper(__name__)
    assert request_preset(Request, app) == {
        "app": app,
        "cached_body": None,
        "after_callbacks": None,
        "_max_body_bytes": None,
        "_max_json_depth": None,
        "_headers": None,
        "_args": None,
        "_cookies": None,
        "_g": None,
        "_state": None,
    }
    assert request_preset(RequestWithDict, app) is None  # a new list for each request
