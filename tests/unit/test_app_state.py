"""Each application owns its state, its setup freezes once it serves, and every uncaught
exception goes through one error path that consults the application's handlers."""

from __future__ import annotations

import logging

import pytest

from gobstopper import Blueprint, Gobstopper, Response, url_for
from gobstopper.security import CSRFMiddleware
from gobstopper.sessions import MemorySessionStore, SessionMiddleware
from gobstopper.testing import TestClient

# -- two applications in one process -----------------------------------------------------


def test_two_apps_in_one_process_do_not_see_each_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENV", "production")
    shop = Gobstopper("shop", static_folder=None)
    monkeypatch.setenv("ENV", "development")
    blog = Gobstopper("blog", static_folder=None, json_max_bytes=10)

    @shop.get("/items/<int:item_id>", endpoint="item")
    async def item(item_id: int):
        response = Response(url_for("item", item_id=item_id))
        response.set_cookie("cart", "1")
        return response

    @blog.post("/posts", endpoint="item")
    async def post(request):
        response = Response(url_for("item"))
        response.set_cookie("draft", "1")
        return response

    shop_client, blog_client = TestClient(shop), TestClient(blog)
    for _ in range(2):  # serving in turn
        bought = shop_client.get("/items/3")
        assert bought.text == "/items/3"
        assert bought.headers["set-cookie"] == "cart=1; Path=/; Secure; HttpOnly; SameSite=Lax"
        posted = blog_client.post("/posts", content=b"short")
        assert posted.text == "/posts"
        assert posted.headers["set-cookie"] == "draft=1; Path=/; HttpOnly; SameSite=Lax"
        assert blog_client.post("/posts", content=b"x" * 11, json=None).status_code in (200, 413)
        assert shop_client.get("/posts").status_code == 404
        assert blog_client.get("/items/3").status_code == 404


def test_a_registration_on_one_app_does_not_rebuild_another() -> None:
    first, second = Gobstopper("first"), Gobstopper("second")
    first.add_url_rule("/", "index", lambda: "first")
    TestClient(first).get("/")
    revision = first.revision
    second.add_url_rule("/", "index", lambda: "second")
    assert first.revision == revision


def test_a_blueprint_change_marks_only_the_apps_it_is_mounted_on() -> None:
    shared = Blueprint("shared", __name__)
    mounted, other = Gobstopper("mounted"), Gobstopper("other")
    mounted.register_blueprint(shared, url_prefix="/s")
    before_mounted, before_other = mounted.revision, other.revision
    shared.add_url_rule("/ping", "ping", lambda: "pong")
    assert mounted.revision > before_mounted
    assert other.revision == before_other
    assert TestClient(mounted).get("/s/ping").text == "pong"


# -- setup freezes once serving ------------------------------------------------------------


def test_registration_after_the_first_request_is_refused() -> None:
    app = Gobstopper(__name__)
    nested = Blueprint("nested", __name__)
    app.register_blueprint(nested)
    client = TestClient(app)
    assert client.get("/late").status_code == 404

    with pytest.raises(RuntimeError, match="has already served a request"):
        app.add_url_rule("/late", "late", lambda: "too late")
    with pytest.raises(RuntimeError, match="has already served a request"):
        nested.add_url_rule("/late", "late", lambda: "too late")
    with pytest.raises(RuntimeError, match="has already served a request"):
        app.before_request(lambda: None)
    with pytest.raises(RuntimeError, match="has already served a request"):
        app.add_middleware(SessionMiddleware(MemorySessionStore()))
    assert client.get("/late").status_code == 404


def test_a_blueprint_nested_in_itself_is_refused_at_registration() -> None:
    outer, inner = Blueprint("outer", __name__), Blueprint("inner", __name__)
    outer.register_blueprint(inner)
    with pytest.raises(ValueError, match="cannot be registered inside itself"):
        inner.register_blueprint(outer)


# -- one error path ------------------------------------------------------------------------


def _app_with_500_handler(seen: list[BaseException]) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None)

    @app.errorhandler(500)
    async def crashed(request, error):
        seen.append(error)
        return {"crash": type(error).__name__, "message": str(error)}, 500

    return app


def test_a_500_handler_receives_the_original_exception_of_a_handler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[BaseException] = []
    app = _app_with_500_handler(seen)

    @app.get("/boom")
    async def boom():
        raise RuntimeError("kaput")

    caplog.set_level(logging.ERROR, logger="gobstopper")
    response = TestClient(app).get("/boom")
    assert response.status_code == 500
    assert response.json() == {"crash": "RuntimeError", "message": "kaput"}
    assert isinstance(seen[0], RuntimeError)
    assert "unhandled error on GET /boom" in caplog.text  # still logged, as Flask does


def test_a_failing_middleware_goes_to_the_500_handler() -> None:
    seen: list[BaseException] = []
    app = _app_with_500_handler(seen)

    async def broken(request, call_next):
        raise KeyError("middleware")

    app.add_middleware(broken)
    app.add_url_rule("/", "index", lambda: "never")
    response = TestClient(app).get("/")
    assert response.status_code == 500
    assert response.json()["crash"] == "KeyError"


def test_a_failing_after_request_hook_goes_to_the_500_handler() -> None:
    seen: list[BaseException] = []
    app = _app_with_500_handler(seen)

    @app.after_request
    def broken(response):
        raise ValueError("after")

    app.add_url_rule("/", "index", lambda: "ok")
    response = TestClient(app).get("/")
    assert response.json() == {"crash": "ValueError", "message": "after"}


def test_a_failing_after_this_request_callback_goes_to_the_500_handler() -> None:
    seen: list[BaseException] = []
    app = _app_with_500_handler(seen)

    @app.get("/")
    async def index(request):
        @request.after_this_request
        def broken(response):
            raise LookupError("callback")

        return "ok"

    response = TestClient(app).get("/")
    assert response.json() == {"crash": "LookupError", "message": "callback"}


def test_an_exception_handler_wins_over_the_500_handler() -> None:
    seen: list[BaseException] = []
    app = _app_with_500_handler(seen)

    @app.errorhandler(ZeroDivisionError)
    async def divided(error):
        return {"error": "division"}, 400

    @app.get("/div")
    async def div():
        return 1 // 0

    response = TestClient(app).get("/div")
    assert (response.status_code, response.json()) == (400, {"error": "division"})
    assert seen == []


def test_without_handlers_a_crash_gets_the_built_in_page() -> None:
    app = Gobstopper(__name__, static_folder=None)

    @app.get("/boom")
    async def boom():
        raise RuntimeError("kaput")

    response = TestClient(app).get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.json()["error"] == "Internal Server Error"


def test_csrf_without_a_session_middleware_fails_at_startup() -> None:
    app = Gobstopper(__name__, static_folder=None)
    app.add_middleware(CSRFMiddleware())
    app.add_url_rule("/", "index", lambda: "ok")
    with pytest.raises(RuntimeError, match="CSRFMiddleware needs a session"):
        TestClient(app).get("/")


def test_csrf_after_a_session_middleware_starts() -> None:
    app = Gobstopper(__name__, static_folder=None, secret_key="s" * 32)
    app.add_middleware(SessionMiddleware(MemorySessionStore()))
    app.add_middleware(CSRFMiddleware())
    app.add_url_rule("/", "index", lambda: "ok", methods=["GET", "POST"])
    client = TestClient(app)
    assert client.get("/").text == "ok"
    assert client.post("/").status_code == 403


# -- sync code sees the request's context ---------------------------------------------------


def test_sync_handlers_and_hooks_see_context_variables() -> None:
    from gobstopper import g, request

    app = Gobstopper(__name__, static_folder=None)

    @app.before_request
    def remember():
        g.seen_path = request.path

    @app.get("/sync")
    def sync_view():
        return {"path": request.path, "seen": g.seen_path}

    assert TestClient(app).get("/sync").json() == {"path": "/sync", "seen": "/sync"}


def test_an_exception_a_handler_claims_is_not_logged_as_unhandled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Gobstopper(__name__, static_folder=None)

    @app.errorhandler(LookupError)
    async def missing(error):
        return {"error": "missing"}, 404

    @app.get("/find")
    async def find():
        raise LookupError("nothing")

    caplog.set_level(logging.ERROR, logger="gobstopper")
    assert TestClient(app).get("/find").status_code == 404
    assert "unhandled error" not in caplog.text


# -- middleware and WebSocket connections -------------------------------------------------


def test_middleware_with_a_websocket_hook_sees_connections_and_others_do_not() -> None:
    from gobstopper.testing import WebSocketRejected

    app = Gobstopper(__name__, static_folder=None)
    seen: list[str] = []

    class HttpOnly:
        async def __call__(self, request, call_next):
            seen.append("http-only")
            return await call_next(request)

    class TokenRequired:
        async def __call__(self, request, call_next):
            return await call_next(request)

        async def websocket(self, websocket, call_next):
            if websocket.args.get("token") != "s3cret":
                websocket.refuse(403)
                return
            seen.append("token-checked")
            await call_next(websocket)

    app.add_middleware(HttpOnly())
    app.add_middleware(TokenRequired())

    @app.websocket("/ws")
    async def echo(websocket):
        await websocket.send_text("welcome")

    client = TestClient(app)
    with pytest.raises(WebSocketRejected) as refused, client.websocket_connect("/ws"):
        pass
    assert refused.value.status == 403
    with client.websocket_connect("/ws?token=s3cret") as ws:
        assert ws.receive_text() == "welcome"
    assert seen == ["token-checked"]
