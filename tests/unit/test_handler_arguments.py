"""How handlers receive their path parameters and body: by position where the signature
allows it (a cheaper call), by keyword otherwise, and always under the right names."""

from __future__ import annotations

import functools

import msgspec
import pytest

from gobstopper import Gobstopper, Request
from gobstopper.callplan import DirectCall, compile_call
from gobstopper.routing.router import Rule
from gobstopper.testing import TestClient


class Item(msgspec.Struct):
    name: str
    price: float


@pytest.fixture(params=["first request", "serving"])
def client(request: pytest.FixtureRequest) -> TestClient:
    """A client of the application before and after its first request: with the Rust
    core, the first request goes through the Python ``serve`` and starts the dispatcher,
    which serves every later one."""
    app = Gobstopper(__name__)

    @app.get("/pairs/<left>/<int:right>")
    async def reversed_order(right: int, left: str):
        return {"left": left, "right": right}

    @app.get("/triples/<a>/<b>/<c>")
    async def shuffled(b, c, a):
        return [a, b, c]

    @app.get("/sync/<int:number>")
    def doubled(number):
        return {"doubled": number * 2}

    @app.get("/keyword/<slug>")
    async def keyword_only(*, slug: str):
        return {"slug": slug}

    @app.get("/collected/<a>/<int:b>")
    async def collected(**values):
        return values

    def keywords_only(view):
        # A Flask habit: Flask passes path parameters by keyword, so a decorator's wrapper
        # may take keywords alone while it copies the signature of the view it wraps.
        @functools.wraps(view)
        async def wrapper(**values):
            return {"wrapped": await view(**values)}

        return wrapper

    @app.get("/wrapped/<a>/<int:b>")
    @keywords_only
    async def wrapped(a, b):
        return [a, b]

    @app.post("/wrapped-items")
    @keywords_only
    async def wrapped_create(item: Item):
        return item.name

    @app.get("/defaulted/<user_id>")
    async def defaulted(user_id=None):
        return {"user_id": user_id}

    @app.get("/readme/<user_id>/<int:post>")
    async def readme_style(request, post, user_id):
        return {"user_id": user_id, "post": post, "path": request.path}

    @app.get("/request-one/<int:item_id>")
    async def request_and_one(request: Request, item_id: int):
        return {"item_id": item_id, "method": request.method}

    @app.post("/items")
    async def create(item: Item):
        return {"created": item.name}, 201

    @app.post("/sync-items")
    def create_in_thread(item: Item):
        return {"created": item.name}, 201

    @app.post("/keyword-items")
    async def create_by_keyword(*, item: Item):
        return {"created": item.name}, 201

    @app.put("/items/<int:item_id>")
    async def update(item: Item, item_id: int):
        return {"id": item_id, "name": item.name}

    with TestClient(app) as client:
        if request.param == "serving":
            assert client.get("/sync/1").json() == {"doubled": 2}
        yield client


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/pairs/ann/7", {"left": "ann", "right": 7}),
        ("/triples/x/y/z", ["x", "y", "z"]),
        ("/sync/21", {"doubled": 42}),
        ("/keyword/hello-world", {"slug": "hello-world"}),
        ("/collected/q/5", {"a": "q", "b": 5}),
        ("/defaulted/u1", {"user_id": "u1"}),
        ("/wrapped/q/5", {"wrapped": ["q", 5]}),
        ("/readme/ann/3", {"user_id": "ann", "post": 3, "path": "/readme/ann/3"}),
        ("/request-one/9", {"item_id": 9, "method": "GET"}),
    ],
)
def test_path_parameters_reach_the_handler_under_their_names(
    client: TestClient, path: str, expected: object
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == expected


@pytest.mark.parametrize("path", ["/items", "/sync-items", "/keyword-items"])
def test_a_body_alone_reaches_the_handler(client: TestClient, path: str) -> None:
    response = client.post(path, json={"name": "gobstopper", "price": 2.5})
    assert response.status_code == 201
    assert response.json() == {"created": "gobstopper"}


def test_a_body_reaches_a_handler_wrapped_to_take_keywords(client: TestClient) -> None:
    response = client.post("/wrapped-items", json={"name": "gobstopper", "price": 2.5})
    assert response.status_code == 200
    assert response.json() == {"wrapped": "gobstopper"}


def test_a_body_beside_path_parameters_reaches_the_handler(client: TestClient) -> None:
    response = client.put("/items/4", json={"name": "fizz", "price": 1.0})
    assert response.status_code == 200
    assert response.json() == {"id": 4, "name": "fizz"}


def test_a_bad_body_alone_still_gets_422(client: TestClient) -> None:
    response = client.post("/items", json={"name": "gobstopper", "price": "free"})
    assert response.status_code == 422
    assert "price" in response.text


async def _two(b, a):
    return None


async def _keyword(*, a, b):
    return None


async def _with_request(request, b, a):
    return None


async def _collecting(a, **rest):
    return None


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (_two, ("b", "a")),
        (_keyword, None),
        (_with_request, ("b", "a")),
        (_collecting, None),
    ],
)
def test_the_call_plan_passes_by_position_only_what_the_signature_allows(
    handler: object, expected: tuple[str, ...] | None
) -> None:
    call = compile_call(handler, Rule("/<a>/<b>"))
    assert isinstance(call, DirectCall)
    assert call.positional == expected
