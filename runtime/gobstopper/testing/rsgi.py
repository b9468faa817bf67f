"""Stand-ins for the RSGI objects Granian hands an application, for one HTTP request.

:class:`Scope` and :class:`HTTPExchange` have the shape of Granian's scope and HTTP
protocol (:mod:`gobstopper.http.rsgi` names the part the application uses). The
:class:`~gobstopper.testing.RSGITransport` builds them from an ``httpx.Request``; a
benchmark or a test that wants to drive ``app.__rsgi__`` directly can build them by hand:

>>> scope = Scope("http", "GET", "/", "", [("host", "bench")], "http", "127.0.0.1:40000")
>>> exchange = HTTPExchange(b"")
>>> await app.__rsgi__(scope, exchange)
>>> exchange.status
200
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Protocol

__all__ = ["HTTPExchange", "RSGIApp", "Scope", "ScopeHeaders", "StreamSink"]

#: The size of the chunks ``async for chunk in protocol`` yields, as a socket would.
_BODY_CHUNK = 64 * 1024


class RSGIApp(Protocol):
    """What the test client needs of an application: RSGI, and its startup and shutdown."""

    async def __rsgi__(self, scope: Any, protocol: Any) -> None: ...
    async def startup(self) -> None: ...
    async def shutdown(self) -> None: ...


class ScopeHeaders:
    """Granian's ``RSGIHeaders``: names in lower case, ``get`` gives the first value."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = [(name.lower(), value) for name, value in pairs]

    def get(self, key: str, default: Any = None) -> Any:
        for name, value in self._pairs:
            if name == key:
                return value
        return default

    def get_all(self, key: str) -> list[str]:
        return [value for name, value in self._pairs if name == key]

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def keys(self) -> list[str]:
        return [name for name, _ in self._pairs]

    def values(self) -> list[str]:
        return [value for _, value in self._pairs]

    def __contains__(self, key: str) -> bool:
        return any(name == key for name, _ in self._pairs)


class Scope:
    """One request line, its peers and its headers, as Granian describes them.

    ``path`` is percent-decoded and ``query_string`` is not, as Granian gives them.
    """

    def __init__(
        self,
        proto: str,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        scheme: str,
        client: str,
        *,
        server: str = "testserver:80",
    ) -> None:
        self.proto = proto
        self.http_version = "1.1"
        self.rsgi_version = "1.5"
        self.server = server
        self.client = client
        self.scheme = scheme
        self.method = method
        self.path = path
        self.query_string = query
        self.authority: str | None = None
        self.headers = ScopeHeaders(headers)


class StreamSink:
    """The transport ``response_stream`` returns: it collects what the application sends."""

    def __init__(self, sink: list[bytes]) -> None:
        self._sink = sink

    async def send_bytes(self, data: bytes) -> None:
        self._sink.append(bytes(data))

    async def send_str(self, data: str) -> None:
        self._sink.append(data.encode())


class HTTPExchange:
    """Granian's HTTP protocol for one request: hands over ``body`` and records the answer.

    After ``await app.__rsgi__(scope, exchange)``, :attr:`status`, :attr:`headers` and
    :attr:`chunks` hold what the application sent; files it served by path are read, so
    ``response_file`` and ``response_file_range`` bodies arrive like any other.
    """

    def __init__(self, body: bytes) -> None:
        self._body = body
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []

    async def __call__(self) -> bytes:
        return self._body

    async def _iterate(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self._body), _BODY_CHUNK):
            yield self._body[start : start + _BODY_CHUNK]

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def client_disconnect(self) -> None:
        """Never returns: a test client stays connected until the response is complete."""
        await asyncio.Event().wait()

    def _start(self, status: int, headers: list[tuple[str, str]]) -> None:
        if self.status is not None:
            raise RuntimeError("the application sent two responses to one request")
        self.status = status
        self.headers = list(headers)

    def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None:
        self._start(status, headers)

    def response_str(self, status: int, headers: list[tuple[str, str]], body: str) -> None:
        self._start(status, headers)
        self.chunks.append(body.encode())

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self._start(status, headers)
        self.chunks.append(bytes(body))

    def response_file(self, status: int, headers: list[tuple[str, str]], file: str) -> None:
        self._start(status, headers)
        with open(file, "rb") as handle:
            self.chunks.append(handle.read())

    def response_file_range(
        self, status: int, headers: list[tuple[str, str]], file: str, start: int, end: int
    ) -> None:
        self._start(status, headers)
        with open(file, "rb") as handle:
            handle.seek(start)
            self.chunks.append(handle.read(end - start))

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> StreamSink:
        self._start(status, headers)
        return StreamSink(self.chunks)
