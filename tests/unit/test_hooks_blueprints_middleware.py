"""Hooks, error handlers, blueprints (nested), middleware and lifecycle hooks."""

from __future__ import annotations

import pytest

from gobstopper import Blueprint, Gobstopper, HTTPException, Request, Response, abort, url_for
from gobstopper.testing import TestClient


class PaymentRequired(Exception):
    pass


@pytest.fixture
def app() -> Gobstopper:
    app = Gobstopper(__name__)
    app.events = []

    @app.before_request
    async def app_before(request: Request):
        app.events.append(("app-before", request.path))
        if request.headers.get("x-block"):
            return {"blocked": True}, 403

    @app.after_request
    def app_after(request: Request, response: Response):
        response.headers["X-App"] = "1"
        return response

    @app.teardown_request
    async def app_teardown(request: Request, error):
        app.events.append(("app-teardown", type(error).__name__ if error else None))

    @app.errorhandler(404)
    async def not_found(request, error):
        return {"missing": request.path}, 404

    @app.errorhandler(PaymentRequired)
    def payment(error):
        return "pay up", 402

    @app.get("/")
    async def index():
        return "home"

    @app.get("/pay")
    async def pay():
        raise PaymentRequired

    api = Blueprint("api", __name__, url_prefix="/api")

    @api.before_request
    async def api_before(request: Request):
        app.events.append(("api-before", request.endpoint))

    @api.errorhandler(HTTPException)
    async def api_errors(request, error):
        return {"api_error": error.status}, error.status

    @api.get("/status")
    async def status():
        return {"ok": True}

    @api.get("/teapot")
    async def teapot():
        abort(418)

    v1 = Blueprint("v1", __name__, url_prefix="/v1")

    @v1.after_request
    async def v1_after(request: Request, response: Response):
        response.headers["X-V1"] = "1"
        return response

    @v1.get("/users/<int:user_id>")
    async def user(user_id: int):
        return {"id": user_id, "url": url_for("api.v1.user", user_id=user_id)}

    api.register_blueprint(v1)
    app.register_blueprint(api)
    return app


@pytest.fixture
def client(app: Gobstopper) -> TestClient:
    with TestClient(app) as client:
        yield client


def test_app_hooks_run_around_every_request(app: Gobstopper, client: TestClient) -> None:
    response = client.get("/")
    assert response.headers["x-app"] == "1"
    assert app.events == [("app-before", "/"), ("app-teardown", None)]


def test_before_request_can_answer_early(app: Gobstopper, client: TestClient) -> None:
    response = client.get("/", headers={"X-Block": "1"})
    assert response.status_code == 403
    assert response.json() == {"blocked": True}
    assert response.headers["x-app"] == "1"


def test_error_handler_by_exception_class(app: Gobstopper, client: TestClient) -> None:
    response = client.get("/pay")
    assert response.status_code == 402
    assert response.text == "pay up"
    assert app.events[-1] == ("app-teardown", "PaymentRequired")


def test_error_handler_by_status_answers_unknown_paths(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.json() == {"missing": "/nowhere"}


def test_blueprint_routes_are_prefixed_and_named(app: Gobstopper, client: TestClient) -> None:
    assert client.get("/api/status").json() == {"ok": True}
    assert app.url_for("api.status") == "/api/status"
    assert ("api-before", "api.status") in app.events


def test_nested_blueprints_combine_prefixes_and_hooks(app: Gobstopper, client: TestClient) -> None:
    response = client.get("/api/v1/users/3")
    assert response.json() == {"id": 3, "url": "/api/v1/users/3"}
    assert response.headers["x-v1"] == "1"
    assert response.headers["x-app"] == "1"
    assert ("api-before", "api.v1.user") in app.events


def test_blueprint_hooks_do_not_touch_other_routes(app: Gobstopper, client: TestClient) -> None:
    response = client.get("/")
    assert "x-v1" not in response.headers
    assert all(event[0] != "api-before" for event in app.events)


def test_blueprint_error_handlers_apply_to_blueprint_routes(client: TestClient) -> None:
    response = client.get("/api/teapot")
    assert response.status_code == 418
    assert response.json() == {"api_error": 418}


def test_blueprint_can_be_mounted_twice_under_another_name() -> None:
    app = Gobstopper(__name__)
    shared = Blueprint("shared", __name__)

    @shared.get("/ping")
    async def ping():
        return "pong"

    app.register_blueprint(shared, url_prefix="/a")
    app.register_blueprint(shared, url_prefix="/b", name="shared_b")
    with pytest.raises(ValueError, match="already registered"):
        app.register_blueprint(shared, url_prefix="/c")
    client = TestClient(app)
    assert client.get("/a/ping").text == "pong"
    assert client.get("/b/ping").text == "pong"
    assert app.url_for("shared_b.ping") == "/b/ping"


def test_middleware_runs_in_order_added_and_chain_is_built_once() -> None:
    app = Gobstopper(__name__)
    calls = []

    class Tag:
        def __init__(self, name: str) -> None:
            self.name = name

        async def __call__(self, request, call_next):
            calls.append(f"{self.name}-in")
            response = await call_next(request)
            calls.append(f"{self.name}-out")
            response.headers.add("X-Chain", self.name)
            return response

    app.add_middleware(Tag("outer"))
    app.add_middleware(Tag, name="inner")

    @app.get("/")
    async def index():
        calls.append("handler")
        return "ok"

    client = TestClient(app)
    client.get("/")
    entry = app.entry
    response = client.get("/")
    assert app.entry is entry
    assert calls[:5] == ["outer-in", "inner-in", "handler", "inner-out", "outer-out"]
    assert response.headers.getlist("x-chain") == ["inner", "outer"]


def test_middleware_sees_404s_and_can_short_circuit() -> None:
    app = Gobstopper(__name__)

    async def maintenance(request, call_next):
        if request.path.startswith("/admin"):
            return Response("down for maintenance", 503)
        return await call_next(request)

    app.add_middleware(maintenance)
    client = TestClient(app)
    assert client.get("/admin/anything").status_code == 503
    assert client.get("/other").status_code == 404


def test_failing_middleware_gives_500() -> None:
    app = Gobstopper(__name__)

    async def broken(request, call_next):
        raise RuntimeError("boom")

    app.add_middleware(broken)
    assert TestClient(app).get("/").status_code == 500


def test_startup_and_shutdown_hooks_run_once() -> None:
    app = Gobstopper(__name__)
    events = []

    @app.on_startup
    async def open_pool():
        events.append("startup")

    @app.on_shutdown
    def close_pool():
        events.append("shutdown")

    @app.get("/")
    async def index():
        return "ok"

    with TestClient(app) as client:
        client.get("/")
        client.get("/")
    assert events == ["startup", "shutdown"]


def test_errorhandler_rejects_non_error_status() -> None:
    app = Gobstopper(__name__)
    with pytest.raises(ValueError, match="4xx or 5xx"):
        app.errorhandler(200)
