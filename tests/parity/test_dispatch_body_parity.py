"""The JSON bodies the Rust dispatcher reads itself (``BodyCall`` routes) answer exactly
as the call plan answers them through :func:`~gobstopper.serving.serve`: well-formed,
malformed, oversized, too deep, undeclared and lost bodies, handlers that take the
request first, read it again, raise or return another awaitable."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from functools import partial
from types import ModuleType
from typing import Any

import msgspec
import pytest

from gobstopper import Gobstopper, request
from gobstopper.serving import serve
from gobstopper.testing.rsgi import HTTPExchange, Scope

from .test_dispatch_parity import Awaitable, Item, served_both_ways

MAX_BYTES = 4096
MAX_DEPTH = 8
ITEM = b'{"name": "gob", "price": 2.5}'


def build(request_context: bool) -> Gobstopper:
    app = Gobstopper(
        __name__,
        request_context=request_context,
        static_folder=None,
        json_max_bytes=MAX_BYTES,
        json_max_depth=MAX_DEPTH,
    )

    @app.post("/items")
    async def create(item: Item) -> Any:
        return item, 201

    @app.post("/items/<owner>")
    async def create_for(request, owner: str, item: Item):  # type: ignore[no-untyped-def]
        # The README's style: the request first and unannotated; the body read again.
        raw = await request.body()
        return {
            "owner": owner,
            "name": item.name,
            "raw": raw.decode(),
            "json": await request.get_json(),
        }

    @app.post("/numbered/<int:number>")
    async def numbered(number: int, item: Item) -> dict[str, Any]:
        return {"number": number, "item": item}

    @app.post("/through-proxy")
    async def through_proxy(item: Item) -> Any:
        # The request made on first use, after the dispatcher read the body.
        if not request_context:
            return "off"
        raw = await request.body()
        return {"name": item.name, "raw": raw.decode(), "endpoint": request.endpoint}

    @app.post("/sync")
    def sync_handler(item: Item) -> dict[str, str]:
        return {"sync": item.name}

    @app.post("/crash")
    async def crash(item: Item) -> Any:
        raise ValueError(f"crashed with {item.name}")

    @app.post("/awaitable")
    def awaitable(item: Item) -> Any:
        return Awaitable()

    @app.post("/mapping")
    async def mapping(payload: dict[str, int]) -> dict[str, int]:
        return {key: value * 2 for key, value in payload.items()}

    return app


def declared(body: bytes, content_type: str = "application/json") -> list[tuple[str, str]]:
    return [("content-type", content_type), ("content-length", str(len(body)))]


JSON = [("content-type", "application/json")]
#: (path, body, headers): the dispatcher reads the first rows itself, the call plan the
#: rest (their headers are not the usual ones), and every answer must be the same.
CASES = [
    ("/items", ITEM, declared(ITEM)),
    ("/items/ann", ITEM, declared(ITEM)),
    ("/numbered/7", ITEM, declared(ITEM)),
    ("/through-proxy", ITEM, declared(ITEM)),
    ("/sync", ITEM, declared(ITEM)),
    ("/crash", ITEM, declared(ITEM)),
    ("/awaitable", ITEM, declared(ITEM)),
    ("/mapping", b'{"a": 1, "b": 2}', declared(b'{"a": 1, "b": 2}')),
    ("/items", b'{"name": ', declared(b'{"name": ')),
    ("/items/ann", b'{"name": ', declared(b'{"name": ')),
    ("/items", b'{"name": 1, "price": 2}', declared(b'{"name": 1, "price": 2}')),
    ("/items", b'{"name": "gob"}', declared(b'{"name": "gob"}')),
    ("/items", b"", declared(b"")),
    ("/items", b"   ", declared(b"   ")),
    ("/items", b"\xff\xfe{}", declared(b"\xff\xfe{}")),
    ("/items", b"[" * 9 + b"]" * 9, declared(b"[" * 9 + b"]" * 9)),
    ("/items", b"[" * 2000, declared(b"[" * 2000)),
    ("/items", b"[" * 8 + b"]" * 8, declared(b"[" * 8 + b"]" * 8)),
    ("/items", b"[" * 9 + b"]" * 8, declared(b"[" * 9 + b"]" * 8)),
    ("/items", b"[" * 9, declared(b"[" * 9)),
    ("/mapping", b'{"a": [[[[[[[[1]]]]]]]]}', declared(b'{"a": [[[[[[[[1]]]]]]]]}')),
    (
        "/items",
        b'{"name": "' + b"[" * 50 + b'", "price": 1}',
        declared(b'{"name": "' + b"[" * 50 + b'", "price": 1}'),
    ),
    ("/items", ITEM, declared(ITEM, "application/json; charset=utf-8")),
    ("/items", ITEM, declared(ITEM, "application/problem+json")),
    ("/items", ITEM, declared(ITEM, "text/plain")),
    ("/items", ITEM, [("content-length", str(len(ITEM)))]),
    ("/items", ITEM, JSON),
    ("/items", ITEM, [*JSON, ("content-length", "abc")]),
    ("/items", ITEM, [*JSON, ("content-length", "")]),
    ("/items", ITEM, [*JSON, ("content-length", "-1")]),
    ("/items", ITEM, [*JSON, ("content-length", "\u0663\u0660")]),
    ("/items", ITEM, [*JSON, ("content-length", str(MAX_BYTES))]),
    ("/items", ITEM, [*JSON, ("content-length", str(MAX_BYTES + 1))]),
    ("/items", ITEM, [*JSON, ("content-length", "9" * 40)]),
]


class LostBody(HTTPExchange):
    """A client that went away while sending its body."""

    async def __call__(self) -> bytes:
        raise ConnectionResetError("the client went away")


class WaitingBody(HTTPExchange):
    """Granian's way: reading the body gives an awaitable object that waits on the event
    loop before it has the bytes, not a coroutine."""

    def __call__(self) -> Any:  # type: ignore[override]
        return _Arriving(self._body)


class _Arriving:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def __await__(self) -> Any:
        yield from asyncio.sleep(0).__await__()
        return self.body


async def answer(
    entry: Callable[[Any, Any], Any],
    path: str,
    body: bytes,
    headers: list[tuple[str, str]],
    exchange_class: type[HTTPExchange] = HTTPExchange,
) -> tuple[int | None, list[tuple[str, str]], bytes]:
    scope = Scope("http", "POST", path, "", [("host", "testserver"), *headers], "http", "1.2.3.4:5")
    exchange = exchange_class(body)
    await entry(scope, exchange)
    return exchange.status, exchange.headers, b"".join(exchange.chunks)


@pytest.mark.parametrize("exchange_class", [HTTPExchange, WaitingBody, LostBody])
@pytest.mark.parametrize("request_context", [False, True], ids=["plain", "request-context"])
def test_bodies_read_by_the_dispatcher_answer_as_the_call_plan(
    rust_core: ModuleType, request_context: bool, exchange_class: type[HTTPExchange]
) -> None:
    rust, python = served_both_ways(rust_core, request_context, build)

    async def compare() -> None:
        for path, body, headers in CASES:
            expected = await answer(partial(serve, python), path, body, headers, exchange_class)
            got = await answer(rust.__rsgi__, path, body, headers, exchange_class)
            assert got == expected, (path, body[:40], headers)

    asyncio.run(compare())


class PassThrough:
    """A middleware that changes nothing: behind it every body goes through the call plan."""

    async def __call__(self, request: Any, call_next: Any) -> Any:
        return await call_next(request)


@pytest.mark.parametrize("exchange_class", [HTTPExchange, WaitingBody, LostBody])
@pytest.mark.parametrize("request_context", [False, True], ids=["plain", "request-context"])
def test_bodies_serve_reads_itself_answer_as_the_call_plan(
    request_context: bool, exchange_class: type[HTTPExchange]
) -> None:
    """``serve`` reads the usual body itself too (with or without the Rust core): its
    answers equal the call plan's, which answers every body behind a middleware."""
    direct, planned = build(request_context), build(request_context)
    planned.add_middleware(PassThrough)
    for app in (direct, planned):
        asyncio.run(app.startup())
    assert direct.direct
    assert not planned.direct

    async def compare() -> None:
        for path, body, headers in CASES:
            expected = await answer(partial(serve, planned), path, body, headers, exchange_class)
            got = await answer(partial(serve, direct), path, body, headers, exchange_class)
            assert got == expected, (path, body[:40], headers)

    asyncio.run(compare())


def post_profiled(
    entry: Callable[[Any, Any], Any], headers: list[tuple[str, str]]
) -> tuple[int | None, list[str]]:
    """POST ``ITEM`` to ``entry`` with ``headers``: the status, and the qualified names of
    the Python functions serving it called."""
    called: list[str] = []

    def record(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            called.append(frame.f_code.co_qualname)

    async def post() -> int | None:
        sys.setprofile(record)
        try:
            status, _, _ = await answer(entry, "/items", ITEM, headers)
        finally:
            sys.setprofile(None)
        return status

    return asyncio.run(post()), called


PLAN = "_call_general.<locals>.call"


def test_serve_reads_the_usual_body_without_the_call_plan() -> None:
    """What that parity is about: in ``serve`` too, the usual body never reaches the
    Python call plan, and no request is made for a handler that does not take one."""
    app = build(True)
    asyncio.run(app.startup())
    entry = partial(serve, app)
    asyncio.run(answer(entry, "/items", ITEM, declared(ITEM)))  # starts serving
    status, called = post_profiled(entry, declared(ITEM))
    assert status == 201
    assert PLAN not in called
    assert "Request.__init__" not in called
    assert "build.<locals>.create" in called
    status, called = post_profiled(entry, declared(ITEM, "application/json; charset=utf-8"))
    assert status == 201
    assert PLAN in called


def test_the_answers_compared_are_the_ones_users_expect(rust_core: ModuleType) -> None:
    """The parity above would pass if both were wrong alike: pin the main answers."""
    rust, _ = served_both_ways(rust_core, True, build)

    async def ask(path: str, body: bytes, exchange_class: type[HTTPExchange] = HTTPExchange) -> Any:
        status, _, sent = await answer(rust.__rsgi__, path, body, declared(body), exchange_class)
        return status, msgspec.json.decode(sent)

    async def check() -> None:
        assert await ask("/items", ITEM) == (201, {"name": "gob", "price": 2.5})
        assert await ask("/items/ann", ITEM, WaitingBody) == (
            200,
            {
                "owner": "ann",
                "name": "gob",
                "raw": ITEM.decode(),
                "json": {"name": "gob", "price": 2.5},
            },
        )
        assert await ask("/through-proxy", ITEM) == (
            200,
            {"name": "gob", "raw": ITEM.decode(), "endpoint": "through_proxy"},
        )
        status, error = await ask("/items", b'{"name": 1, "price": 2}')
        assert status == 422
        assert error["detail"]["field"] == "name"
        status, error = await ask("/items", b"[" * 9 + b"]" * 9)
        assert status == 400
        assert "deeper than the limit of 8" in error["message"]
        # Too short to nest 9 deep once closed: the decoder answers it, and an array is not
        # the object an Item is.
        status, error = await ask("/items", b"[" * 9)
        assert status == 422
        assert "Expected `object`, got `array`" in error["message"]
        status, error = await ask("/items", ITEM, LostBody)
        assert status == 400
        assert "disconnected" in error["message"]
        status, _ = await ask("/crash", ITEM)
        assert status == 500

    asyncio.run(check())
    assert rust.__rsgi__.installed


def test_the_dispatcher_reads_the_usual_body_without_the_call_plan(rust_core: ModuleType) -> None:
    """What the parity is about: the usual body never reaches the Python call plan."""
    rust, _ = served_both_ways(rust_core, True, build)
    asyncio.run(answer(rust.__rsgi__, "/items", ITEM, declared(ITEM)))  # starts serving
    assert rust.__rsgi__.installed
    status, called = post_profiled(rust.__rsgi__, declared(ITEM))
    assert status == 201
    assert PLAN not in called
    assert "build.<locals>.create" in called
    status, called = post_profiled(rust.__rsgi__, declared(ITEM, "application/json; charset=utf-8"))
    assert status == 201
    assert PLAN in called


def test_a_cancelled_body_read_cancels_the_request(rust_core: ModuleType) -> None:
    rust, _ = served_both_ways(rust_core, False, build)

    class Hanging(HTTPExchange):
        def __call__(self) -> Any:  # type: ignore[override]
            return asyncio.Event().wait()

    async def cancelled() -> None:
        task = asyncio.ensure_future(answer(rust.__rsgi__, "/items", ITEM, declared(ITEM), Hanging))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancelled())
