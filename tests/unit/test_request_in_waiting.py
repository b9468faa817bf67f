"""A handler that does not take the request runs before any request is made; whatever
asks for the request later (``gobstopper.request``, ``g``, ``after_this_request``, the
error handlers, a file response) gets one, the same one each time, as if it had been made
first. Run with and without the Rust core (``GOBSTOPPER_NO_RUST=1``): each has a request
in waiting of its own."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from gobstopper import Blueprint, Gobstopper, Request, Response, g, request, send_file
from gobstopper.testing import TestClient


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    (tmp_path / "notes.txt").write_text("0123456789")
    app = Gobstopper(__name__, static_folder=None)
    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @app.get("/users/<int:user_id>")
    async def user(user_id: int) -> dict[str, Any]:
        g.seen = user_id
        return {
            "endpoint": request.endpoint,
            "params": request.path_params,
            "method": request.method,
            "g": request.g.seen,  # set through gobstopper.g: the same request's
        }

    @app.get("/tagged")
    async def tagged() -> str:
        @request.after_this_request
        def tag(response: Response) -> None:
            response.headers["x-tag"] = "after"

        return "tagged"

    @app.get("/task")
    async def task() -> dict[str, bool]:
        here = request.g

        async def later() -> bool:
            await asyncio.sleep(0)
            return request.g is here

        return {"same request": await asyncio.create_task(later())}

    @app.get("/notes")
    async def notes() -> Response:
        return send_file(tmp_path / "notes.txt", "text/plain")

    @shop.get("/items/<int:item_id>")
    async def item(item_id: int) -> str:
        raise LookupError(f"no item {item_id}")

    @shop.errorhandler(LookupError)
    async def missing(request: Request, error: LookupError) -> Any:
        return {"error": str(error), "endpoint": request.endpoint, **request.path_params}, 404

    app.register_blueprint(shop)
    with TestClient(app) as test_client:
        yield test_client


def test_the_request_made_later_holds_the_route(client: TestClient) -> None:
    answer = client.get("/users/42")
    assert answer.status_code == 200
    assert answer.json() == {
        "endpoint": "user",
        "params": {"user_id": 42},
        "method": "GET",
        "g": 42,
    }


def test_after_this_request_through_the_proxy_is_applied(client: TestClient) -> None:
    answer = client.get("/tagged")
    assert answer.text == "tagged"
    assert answer.headers["x-tag"] == "after"


def test_a_task_the_handler_starts_finds_the_same_request(client: TestClient) -> None:
    assert client.get("/task").json() == {"same request": True}


def test_the_blueprint_error_handler_answers_for_its_route(client: TestClient) -> None:
    answer = client.get("/shop/items/7")
    assert answer.status_code == 404
    assert answer.json() == {"error": "no item 7", "endpoint": "shop.item", "item_id": 7}


def test_a_file_response_answers_conditional_and_range_requests(client: TestClient) -> None:
    first = client.get("/notes")
    assert first.status_code == 200
    assert first.text == "0123456789"
    etag = first.headers["etag"]
    assert client.get("/notes", headers={"if-none-match": etag}).status_code == 304
    part = client.get("/notes", headers={"range": "bytes=2-4"})
    assert part.status_code == 206
    assert part.text == "234"


def test_no_request_is_made_when_nothing_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    app = Gobstopper(__name__, static_folder=None, request_context=True)

    @app.get("/plain/<int:number>")
    async def plain(number: int) -> dict[str, int]:
        return {"number": number}

    made: list[Request] = []
    original = Request.__init__

    def counting(self: Request, *args: Any) -> None:
        made.append(self)
        original(self, *args)

    with TestClient(app) as test_client:
        test_client.get("/plain/1")  # the first request starts the application
        monkeypatch.setattr(Request, "__init__", counting)
        answer = test_client.get("/plain/2")
    assert answer.json() == {"number": 2}
    assert made == []
