"""docs/routing.rst: blueprints, hooks and error handlers, middleware, and the handler
parameters table's samples."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest

from gobstopper import Gobstopper, Request
from gobstopper.testing import TestClient

from .ledger import docs_page

LEDGER = docs_page("routing")
BLUEPRINTS = LEDGER.run("from gobstopper import Blueprint")
HOOKS = LEDGER.run("@app.before_request")
MIDDLEWARE = LEDGER.run("import time")


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


def test_nested_blueprints(workdir: Path) -> None:
    app = Gobstopper("docs_sample")
    BLUEPRINTS.exec(app=app)
    with TestClient(app) as client:
        response = client.get("/api/v1/status")
    assert response.json() == {"ok": True}
    assert app.url_for("api.v1.status") == "/api/v1/status"


def test_hooks_and_error_handler(workdir: Path) -> None:
    app = Gobstopper("docs_sample")
    HOOKS.exec(app=app)

    @app.get("/report")
    async def report():
        return {"rows": 3}

    key = {"X-Key": "secret"}
    with TestClient(app) as client:
        refused = client.get("/report")
        served = client.get("/report", headers=key)
        missing = client.get("/nothing", headers=key)
    assert (refused.status_code, refused.json()) == (401, {"error": "unauthorised"})
    assert served.json() == {"rows": 3}
    assert served.headers["x-served-by"] == "gobstopper"
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": "nothing here", "path": "/nothing"},
    )


def test_timing_middleware(workdir: Path) -> None:
    app = Gobstopper("docs_sample")
    MIDDLEWARE.exec(app=app)

    @app.get("/")
    async def index():
        return "ok"

    with TestClient(app) as client:
        response = client.get("/")
    assert re.fullmatch(r"app;dur=\d+\.\d", response.headers["server-timing"])


# -- Handler parameters -----------------------------------------------------------------

PARAMETERS = LEDGER.run("import msgspec")
REFUSED = LEDGER.run('@app.get("/users/<int:user_id>")')


@pytest.fixture
def orders() -> TestClient:
    app = Gobstopper("docs_sample")
    PARAMETERS.exec(app=app)
    with TestClient(app, client_addr="10.1.2.3:4000") as client:
        yield client


def test_each_kind_of_parameter_gets_its_value(orders: TestClient) -> None:
    response = orders.post(
        "/shops/3/orders?coupon=SPRING&tags=gift&tags=urgent",
        json={"sku": "gob-1", "quantity": 2},
    )
    assert response.json() == {
        "shop": 3,
        "sku": "gob-1",
        "coupon": "SPRING",
        "tags": ["gift", "urgent"],
        "client": "10.1.2.3",
    }
    defaults = orders.post("/shops/3/orders", json={"sku": "gob-1", "quantity": 2})
    assert (defaults.json()["coupon"], defaults.json()["tags"]) == (None, None)


@pytest.mark.parametrize(
    ("path", "body", "headers", "status"),
    [
        ("/shops/x/orders", '{"sku": "a", "quantity": 1}', {}, 404),
        ("/shops/3/orders", "sku=a", {"content-type": "application/x-www-form-urlencoded"}, 415),
        ("/shops/3/orders", '{"sku": "a", "quantity": "two"}', {}, 422),
        ("/shops/3/orders", '{"sku": "a", "quantity": 1', {}, 400),
        ("/shops/3/orders", '{"sku": "' + "a" * 2_000_000 + '", "quantity": 1}', {}, 413),
    ],
    ids=["path-not-int", "not-json", "wrong-type", "malformed", "too-large"],
)
def test_the_documented_refusals(
    orders: TestClient, path: str, body: str, headers: dict[str, str], status: int
) -> None:
    response = orders.post(
        path, content=body, headers={"content-type": "application/json", **headers}
    )
    assert response.status_code == status


def test_a_signature_that_cannot_be_served_is_refused_at_registration() -> None:
    with pytest.raises(
        TypeError, match=r"show_user does not accept path parameter\(s\) \['user_id'\]"
    ):
        REFUSED.exec(app=Gobstopper("docs_sample"))


def _table_app() -> Gobstopper:
    """One handler per row of the table that the sample above does not show."""
    app = Gobstopper("docs_sample")

    @app.get("/any-name")
    async def any_name(incoming: Request):
        return {"path": incoming.path}

    @app.get("/second/<int:item>")
    async def request_not_first(item, request):
        return {"item": item, "path": request.path}

    @app.get("/numbers")
    async def numbers(n: list[int], page: int = 1):
        return {"n": n, "page": page}

    @app.get("/rest/<a>/<int:b>")
    async def rest(*args, **kwargs):
        return {"args": list(args), "kwargs": kwargs}

    return app


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/any-name", 200, {"path": "/any-name"}),
        ("/second/7", 200, {"item": 7, "path": "/second/7"}),
        ("/numbers?n=1&n=2&page=3", 200, {"n": [1, 2], "page": 3}),
        ("/rest/x/5", 200, {"args": [], "kwargs": {"a": "x", "b": 5}}),
    ],
)
def test_the_table_rows(path: str, status: int, body: dict[str, object]) -> None:
    with TestClient(_table_app()) as client:
        response = client.get(path)
    assert (response.status_code, response.json()) == (status, body)


@pytest.mark.parametrize(
    ("path", "field"), [("/numbers", "n"), ("/numbers?n=1&page=first", "page")]
)
def test_missing_or_bad_query_argument_gets_422_naming_it(path: str, field: str) -> None:
    with TestClient(_table_app()) as client:
        response = client.get(path, headers={"accept": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"]["field"] == field


@pytest.mark.parametrize(
    ("define", "message"),
    [
        ("async def view(request: int): ...", "parameter 'request' is annotated"),
        ("async def view(request, req: Request): ...", "asks for the request twice"),
        ("async def view(a: Body, b: Body): ...", "declares two body parameters"),
        ("async def view(page, /): ...", "parameter 'page' is positional-only"),
    ],
)
def test_registration_errors_name_the_handler_and_the_parameter(define: str, message: str) -> None:
    namespace: dict[str, object] = {"Request": Request, "Body": _Body}
    exec(define, namespace)
    app = Gobstopper("docs_sample")
    with pytest.raises(TypeError, match=message) as refused:
        app.get("/view")(namespace["view"])
    assert str(refused.value).startswith("view")


class _Body(msgspec.Struct):
    text: str
