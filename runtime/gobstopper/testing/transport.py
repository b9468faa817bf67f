"""httpx transports that deliver each request to an application over RSGI, in-process.

:class:`RSGITransport` turns an ``httpx.Request`` into the scope and HTTP protocol
Granian would hand the application, awaits ``app.__rsgi__(scope, protocol)`` and turns
what the application sent into an ``httpx.Response``. Everything else a client does
(cookies, redirects, query and body encoding, multipart) is httpx's. Any httpx client
can use it:

>>> transport = RSGITransport(app)
>>> async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
...     response = await client.get("/")

:class:`SyncRSGITransport` does the same for a synchronous ``httpx.Client``, on an event
loop of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import httpx

from .rsgi import HTTPExchange, RSGIApp, Scope
from .websocket import AsyncWebSocketSession

__all__ = [
    "DEFAULT_CLIENT_ADDR",
    "RSGITransport",
    "ResponseHeaders",
    "SyncRSGITransport",
    "TestResponse",
    "scope_for",
]

#: The peer address the application sees unless the client is given another.
DEFAULT_CLIENT_ADDR = "127.0.0.1:50000"

_T = TypeVar("_T")

_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


class ResponseHeaders(httpx.Headers):
    """httpx's headers, also answering ``getlist`` as Gobstopper's own headers do."""

    def getlist(self, key: str) -> list[str]:
        """Every value of header ``key``, in order (httpx spells it ``get_list``)."""
        return self.get_list(key)


class TestResponse(httpx.Response):
    """What the test clients return: an ``httpx.Response`` whose ``headers`` also answer
    ``getlist`` and which has ``status`` beside ``status_code``, as Gobstopper's
    requests, uploads and earlier test client spell them."""

    __test__ = False

    def __init__(self, status: int, headers: list[tuple[str, str]], content: bytes) -> None:
        super().__init__(status, stream=httpx.ByteStream(content))
        self.headers = ResponseHeaders(headers)

    @property
    def status(self) -> int:
        """Alias of ``status_code``."""
        return self.status_code


def scope_for(request: httpx.Request, proto: str, client_addr: str) -> Scope:
    """The RSGI scope Granian would build for ``request``.

    An HTTP/1.1 server ignores ``Content-Length`` when ``Transfer-Encoding`` is present
    (RFC 9112, section 6.3), so the application never sees both.
    """
    url = request.url
    headers = [
        (name.decode("latin-1").lower(), value.decode("latin-1"))
        for name, value in request.headers.raw
    ]
    if any(name == "transfer-encoding" for name, _ in headers):
        headers = [(name, value) for name, value in headers if name != "content-length"]
    port = url.port or _DEFAULT_PORTS.get(url.scheme, 80)
    return Scope(
        proto,
        request.method,
        url.path,
        url.query.decode("ascii"),
        headers,
        url.scheme,
        client_addr,
        server=f"{url.host}:{port}",
    )


class RSGITransport(httpx.AsyncBaseTransport):
    """Send each request to ``app`` over RSGI, in the running event loop.

    The application's startup hooks run when the transport is entered (``async with``
    on the client) or before the first request, and its shutdown hooks on
    :meth:`aclose`. ``client_addr`` is the peer address the application sees.
    """

    def __init__(self, app: RSGIApp, *, client_addr: str = DEFAULT_CLIENT_ADDR) -> None:
        self.app = app
        self.client_addr = client_addr
        self._started = False

    async def startup(self) -> None:
        """Run the application's startup hooks, once."""
        if not self._started:
            self._started = True
            await self.app.startup()

    async def aclose(self) -> None:
        """Run the application's shutdown hooks, if its startup hooks ran."""
        if self._started:
            self._started = False
            await self.app.shutdown()

    async def __aenter__(self) -> RSGITransport:
        await self.startup()
        return self

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Read the request's body and serve it (httpx calls this for each request)."""
        return await self.exchange(request, await request.aread())

    async def exchange(self, request: httpx.Request, body: bytes) -> TestResponse:
        """Serve ``request`` with ``body`` and return the application's answer."""
        await self.startup()
        protocol = HTTPExchange(body)
        await self.app.__rsgi__(scope_for(request, "http", self.client_addr), protocol)
        if protocol.status is None:
            raise RuntimeError(
                f"the application sent no response to {request.method} {request.url}"
            )
        content = b"" if request.method == "HEAD" else b"".join(protocol.chunks)
        return TestResponse(protocol.status, protocol.headers, content)

    def websocket(self, request: httpx.Request) -> AsyncWebSocketSession:
        """A WebSocket session for ``request`` (connect it with ``async with``)."""
        return AsyncWebSocketSession(self.app, scope_for(request, "ws", self.client_addr))


class SyncRSGITransport(httpx.BaseTransport):
    """:class:`RSGITransport` for a synchronous ``httpx.Client``.

    It owns an event loop, on which the application's hooks, handlers and background
    work run while a request (or WebSocket call) is in progress; :meth:`close` runs the
    shutdown hooks and closes that loop.
    """

    def __init__(self, app: RSGIApp, *, client_addr: str = DEFAULT_CLIENT_ADDR) -> None:
        self.async_transport = RSGITransport(app, client_addr=client_addr)
        self._loop = asyncio.new_event_loop()

    def run(self, awaitable: Awaitable[_T], /) -> _T:
        """Run ``awaitable`` to completion on this transport's event loop."""
        return self._loop.run_until_complete(awaitable)

    def __enter__(self) -> SyncRSGITransport:
        self.run(self.async_transport.startup())
        return self

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Read the request's body and serve it (httpx calls this for each request)."""
        return self.run(self.async_transport.exchange(request, request.read()))

    def close(self) -> None:
        """Run the application's shutdown hooks and close the event loop."""
        if not self._loop.is_closed():
            self.run(self.async_transport.aclose())
            self._loop.close()
