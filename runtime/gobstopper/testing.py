"""Test your application in-process, with no server and no sockets.

:class:`TestClient` speaks RSGI to the application exactly as Granian does — the same
scope, the same protocol calls — so what passes here behaves the same behind a server.
It keeps cookies between requests and runs startup hooks before the first request and
shutdown hooks on :meth:`~TestClient.close` (or at the end of a ``with`` block).

>>> from gobstopper.testing import TestClient
>>> with TestClient(app) as client:
...     response = client.post("/items", json={"name": "pen"})
...     assert response.status_code == 201
...     assert response.json()["name"] == "pen"

In ``async`` tests use :class:`AsyncTestClient` (``await client.get("/")``).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, Protocol, TypeVar
from urllib.parse import unquote, urlencode, urlsplit

import msgspec

from .http.cookies import parse_cookie_header
from .http.datastructures import MutableHeaders
from .websocket.connection import WebSocketDisconnect

__all__ = [
    "AsyncTestClient",
    "AsyncWebSocketSession",
    "TestClient",
    "TestResponse",
    "WebSocketRejected",
    "WebSocketSession",
]

_BODY_CHUNK = 64 * 1024

_T = TypeVar("_T")

#: One upload for ``files=``: content, ``(filename, content)`` or
#: ``(filename, content, content_type)``.
UploadSpec = bytes | tuple[str, bytes] | tuple[str, bytes, str]


class _ScopeHeaders:
    """Mirror of Granian's ``RSGIHeaders``: lower-case names, first value by ``get``."""

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


class _Scope:
    def __init__(
        self,
        proto: str,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        scheme: str,
        client: str,
    ) -> None:
        self.proto = proto
        self.http_version = "1.1"
        self.rsgi_version = "1.5"
        self.server = "testserver:80"
        self.client = client
        self.scheme = scheme
        self.method = method
        self.path = path
        self.query_string = query
        self.authority = None
        self.headers = _ScopeHeaders(headers)


class _StreamTransport:
    def __init__(self, sink: list[bytes]) -> None:
        self._sink = sink

    async def send_bytes(self, data: bytes) -> None:
        self._sink.append(bytes(data))

    async def send_str(self, data: str) -> None:
        self._sink.append(data.encode())


class _HTTPProtocol:
    """Records the response the application gives, as Granian's HTTP protocol would send it."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []

    async def __call__(self) -> bytes:
        return self._body

    async def _iterate(self) -> Any:
        for start in range(0, len(self._body), _BODY_CHUNK):
            yield self._body[start : start + _BODY_CHUNK]

    def __aiter__(self) -> Any:
        return self._iterate()

    async def client_disconnect(self) -> None:
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

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> _StreamTransport:
        self._start(status, headers)
        return _StreamTransport(self.chunks)


class TestResponse:
    """What the application answered: status, headers and body."""

    __test__ = False

    def __init__(self, status: int, headers: list[tuple[str, str]], content: bytes) -> None:
        self.status_code = status
        self.headers = MutableHeaders(headers)
        self.content = content

    @property
    def status(self) -> int:
        """Alias of :attr:`status_code`."""
        return self.status_code

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.content.decode()

    def json(self) -> Any:
        """The body decoded as JSON."""
        return msgspec.json.decode(self.content)

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies this response sets (name → value)."""
        return {
            name: value
            for header in self.headers.getlist("set-cookie")
            for name, value in list(parse_cookie_header(header.split(";", 1)[0]).items())
        }

    def __repr__(self) -> str:
        return f"<TestResponse {self.status_code}>"


def _encode_body(
    json: Any,
    data: Mapping[str, Any] | str | bytes | None,
    content: bytes | str | None,
    files: Mapping[str, UploadSpec | list[UploadSpec]] | None,
    headers: list[tuple[str, str]],
) -> bytes:
    names = {name.lower() for name, _ in headers}
    if files is not None:
        if data is not None and not isinstance(data, Mapping):
            raise TypeError("with files=, data= must be a mapping of form fields")
        boundary = secrets.token_hex(16)
        if "content-type" not in names:
            headers.append(("content-type", f"multipart/form-data; boundary={boundary}"))
        return _multipart(boundary, data or {}, files)
    if json is not None:
        if "content-type" not in names:
            headers.append(("content-type", "application/json"))
        return msgspec.json.encode(json)
    if data is not None:
        if isinstance(data, Mapping):
            if "content-type" not in names:
                headers.append(("content-type", "application/x-www-form-urlencoded"))
            return urlencode(data, doseq=True).encode()
        return data.encode() if isinstance(data, str) else data
    if content is not None:
        return content.encode() if isinstance(content, str) else content
    return b""


def _multipart(
    boundary: str,
    fields: Mapping[str, Any],
    files: Mapping[str, UploadSpec | list[UploadSpec]],
) -> bytes:
    parts: list[bytes] = []
    for name, value in fields.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + str(item).encode()
                + b"\r\n"
            )
    for name, spec in files.items():
        for upload in spec if isinstance(spec, list) else [spec]:
            if isinstance(upload, bytes):
                filename, payload, content_type = name, upload, "application/octet-stream"
            elif len(upload) == 2:
                filename, payload = upload
                content_type = "application/octet-stream"
            else:
                filename, payload, content_type = upload
            head = (
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            )
            parts.append(head.encode() + payload + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


class WebSocketRejected(Exception):
    """The application refused the upgrade with HTTP ``status`` (403, 404...)."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"the application refused the WebSocket upgrade with {status}")


class _WSMessage:
    def __init__(self, kind: int, data: str | bytes | None) -> None:
        self.kind = kind
        self.data = data


class _WSTransport:
    def __init__(self, protocol: _WSProtocol) -> None:
        self._protocol = protocol

    async def receive(self) -> _WSMessage:
        if self._protocol.closed.is_set():
            raise RuntimeError("RSGI transport is closed")
        return await self._protocol.inbound.get()

    async def send_bytes(self, data: bytes) -> None:
        self._protocol.deliver(bytes(data))

    async def send_str(self, data: str) -> None:
        self._protocol.deliver(data)


class _WSProtocol:
    """Granian's WebSocket protocol, with queues in place of a socket."""

    def __init__(self) -> None:
        self.inbound: asyncio.Queue[_WSMessage] = asyncio.Queue()
        self.outbound: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self.handshake = asyncio.Event()
        self.closed = asyncio.Event()
        self.accepted = False
        self.status: int | None = None

    async def accept(self) -> _WSTransport:
        self.accepted = True
        self.handshake.set()
        return _WSTransport(self)

    def close(self, status: int | None) -> tuple[int, bool]:
        if not self.closed.is_set():
            self.status = status
            self.closed.set()
            self.handshake.set()
            self.outbound.put_nowait(None)
        return (status or 0, self.accepted)

    def deliver(self, data: str | bytes) -> None:
        if self.closed.is_set():
            raise RuntimeError("RSGI transport is closed")
        self.outbound.put_nowait(data)


class AsyncWebSocketSession:
    """A WebSocket connection to the application under test (``async`` flavour).

    >>> async with client.websocket_connect("/ws/echo") as ws:
    ...     await ws.send_text("hi")
    ...     assert await ws.receive_text() == "echo: hi"

    After the application closes the connection, ``receive_*`` raise
    :class:`~gobstopper.websocket.WebSocketDisconnect` and :attr:`close_code` holds the
    code it closed with.
    """

    __test__ = False

    def __init__(self, app: Any, scope: _Scope) -> None:
        self._app = app
        self._scope = scope
        self._protocol = _WSProtocol()
        self._task: asyncio.Task[None] | None = None

    @property
    def close_code(self) -> int | None:
        """The code the application closed the connection with, or ``None``."""
        return self._protocol.status if self._protocol.accepted else None

    async def connect(self) -> None:
        """Run the handler until it accepts (or refuses) the connection."""
        self._task = asyncio.ensure_future(self._app.__rsgi__(self._scope, self._protocol))
        handshake = asyncio.ensure_future(self._protocol.handshake.wait())
        await asyncio.wait({self._task, handshake}, return_when=asyncio.FIRST_COMPLETED)
        handshake.cancel()
        if not self._protocol.accepted:
            await self._task
            raise WebSocketRejected(self._protocol.status or 403)

    async def send_text(self, data: str) -> None:
        """Send a text message to the application."""
        self._protocol.inbound.put_nowait(_WSMessage(2, data))

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message to the application."""
        self._protocol.inbound.put_nowait(_WSMessage(1, bytes(data)))

    async def send_json(self, data: Any) -> None:
        """Send ``data`` as a JSON text message."""
        await self.send_text(msgspec.json.encode(data).decode())

    async def receive(self) -> str | bytes:
        """The next message the application sent (text or bytes)."""
        message = await asyncio.wait_for(self._protocol.outbound.get(), 10)
        if message is None:
            self._protocol.outbound.put_nowait(None)
            raise WebSocketDisconnect(self._protocol.status or 1000)
        return message

    async def receive_text(self) -> str:
        """The next message, which must be text."""
        message = await self.receive()
        if not isinstance(message, str):
            raise AssertionError(f"expected a text message, got bytes {message!r}")
        return message

    async def receive_bytes(self) -> bytes:
        """The next message, which must be binary."""
        message = await self.receive()
        if not isinstance(message, bytes):
            raise AssertionError(f"expected a binary message, got text {message!r}")
        return message

    async def receive_json(self) -> Any:
        """The next message decoded as JSON."""
        return msgspec.json.decode(await self.receive())

    async def close(self) -> None:
        """Close from the client side and wait for the handler to finish."""
        self._protocol.inbound.put_nowait(_WSMessage(0, None))
        await self.wait_closed()

    async def wait_closed(self) -> None:
        """Wait (up to 10 s) until the handler has returned."""
        if self._task is not None:
            await asyncio.wait_for(asyncio.shield(self._task), 10)

    async def __aenter__(self) -> AsyncWebSocketSession:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class _Runner(Protocol):
    """Runs an awaitable to completion on the test client's event loop."""

    def __call__(self, awaitable: Awaitable[_T], /) -> _T: ...


class WebSocketSession:
    """The synchronous twin of :class:`AsyncWebSocketSession`, from :class:`TestClient`.

    >>> with client.websocket_connect("/ws/echo") as ws:
    ...     ws.send_text("hi")
    ...     assert ws.receive_text() == "echo: hi"
    """

    __test__ = False

    def __init__(self, session: AsyncWebSocketSession, run: _Runner) -> None:
        self._session = session
        self._run = run

    @property
    def close_code(self) -> int | None:
        """The code the application closed the connection with, or ``None``."""
        return self._session.close_code

    def send_text(self, data: str) -> None:
        """Send a text message."""
        self._run(self._session.send_text(data))

    def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        self._run(self._session.send_bytes(data))

    def send_json(self, data: Any) -> None:
        """Send a JSON text message."""
        self._run(self._session.send_json(data))

    def receive(self) -> str | bytes:
        """The next message from the application."""
        return self._run(self._session.receive())

    def receive_text(self) -> str:
        """The next message, which must be text."""
        return self._run(self._session.receive_text())

    def receive_bytes(self) -> bytes:
        """The next message, which must be binary."""
        return self._run(self._session.receive_bytes())

    def receive_json(self) -> Any:
        """The next message decoded as JSON."""
        return self._run(self._session.receive_json())

    def close(self) -> None:
        """Close from the client side and wait for the handler to finish."""
        self._run(self._session.close())

    def wait_closed(self) -> None:
        """Wait until the handler has returned."""
        self._run(self._session.wait_closed())

    def __enter__(self) -> WebSocketSession:
        self._run(self._session.connect())
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _async_verb(method: str) -> Callable[..., Coroutine[Any, Any, TestResponse]]:
    async def send(self: AsyncTestClient, url: str, **kwargs: Any) -> TestResponse:
        return await self.request(method, url, **kwargs)

    send.__name__ = method.lower()
    send.__doc__ = f"Send a {method} request."
    return send


def _sync_verb(method: str) -> Callable[..., TestResponse]:
    def send(self: TestClient, url: str, **kwargs: Any) -> TestResponse:
        return self.request(method, url, **kwargs)

    send.__name__ = method.lower()
    send.__doc__ = f"Send a {method} request."
    return send


class AsyncTestClient:
    """The ``async`` flavour of :class:`TestClient`; use it inside a running event loop.

    >>> async with AsyncTestClient(app) as client:
    ...     response = await client.get("/users/7")
    """

    __test__ = False

    def __init__(
        self, app: Any, *, base_url: str = "http://testserver", client_addr: str = "127.0.0.1:50000"
    ) -> None:
        self.app = app
        parts = urlsplit(base_url)
        self._scheme = parts.scheme or "http"
        self._host = parts.netloc or "testserver"
        self._client_addr = client_addr
        self.cookies: dict[str, str] = {}
        self._started = False

    async def start(self) -> None:
        """Run the application's startup hooks (done for you before the first request)."""
        if not self._started:
            self._started = True
            await self.app.startup()

    async def close(self) -> None:
        """Run the application's shutdown hooks."""
        if self._started:
            self._started = False
            await self.app.shutdown()

    async def __aenter__(self) -> AsyncTestClient:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _scope(
        self,
        proto: str,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        headers: list[tuple[str, str]],
        cookies: Mapping[str, str] | None,
    ) -> _Scope:
        parts = urlsplit(url)
        query = parts.query
        if params:
            extra = urlencode(params, doseq=True)
            query = f"{query}&{extra}" if query else extra
        names = {name.lower() for name, _ in headers}
        if "host" not in names:
            headers.insert(0, ("host", self._host))
        jar = {**self.cookies, **(cookies or {})}
        if jar and "cookie" not in names:
            headers.append(("cookie", "; ".join(f"{k}={v}" for k, v in jar.items())))
        return _Scope(
            proto,
            method.upper(),
            unquote(parts.path or "/"),
            query,
            headers,
            self._scheme,
            self._client_addr,
        )

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | list[tuple[str, str]] | None = None,
        cookies: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | str | bytes | None = None,
        content: bytes | str | None = None,
        files: Mapping[str, UploadSpec | list[UploadSpec]] | None = None,
    ) -> TestResponse:
        """Send one request; ``json``, ``data`` (a form or raw text) or ``content`` is the body.

        ``files`` sends ``multipart/form-data`` (with ``data`` as its text fields):
        ``files={"avatar": ("me.png", png_bytes, "image/png")}``; a list sends several
        files under one name.
        """
        await self.start()
        header_list = list(headers.items() if isinstance(headers, Mapping) else headers or [])
        body = _encode_body(json, data, content, files, header_list)
        declared = {name.lower() for name, _ in header_list}
        if body and not declared & {"content-length", "transfer-encoding"}:
            header_list.append(("content-length", str(len(body))))
        scope = self._scope("http", method, url, params, header_list, cookies)
        protocol = _HTTPProtocol(body)
        await self.app.__rsgi__(scope, protocol)
        if protocol.status is None:
            raise RuntimeError(f"the application sent no response to {method} {url}")
        content_bytes = b"" if scope.method == "HEAD" else b"".join(protocol.chunks)
        response = TestResponse(protocol.status, protocol.headers, content_bytes)
        self._store_cookies(response)
        return response

    def websocket_connect(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | list[tuple[str, str]] | None = None,
        cookies: Mapping[str, str] | None = None,
    ) -> AsyncWebSocketSession:
        """Open a WebSocket to ``url``; use it with ``async with``.

        Refused upgrades raise :class:`WebSocketRejected` with the HTTP status.
        """
        header_list = list(headers.items() if isinstance(headers, Mapping) else headers or [])
        scope = self._scope("ws", "GET", url, None, header_list, cookies)
        return AsyncWebSocketSession(self.app, scope)

    def _store_cookies(self, response: TestResponse) -> None:
        for header in response.headers.getlist("set-cookie"):
            pair, _, attributes = header.partition(";")
            name, _, value = pair.partition("=")
            expired = any(
                part.strip().lower() in ("max-age=0", "expires=thu, 01 jan 1970 00:00:00 gmt")
                for part in attributes.split(";")
            )
            if expired:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()

    get = _async_verb("GET")
    head = _async_verb("HEAD")
    options = _async_verb("OPTIONS")
    post = _async_verb("POST")
    put = _async_verb("PUT")
    patch = _async_verb("PATCH")
    delete = _async_verb("DELETE")


class TestClient:
    """Synchronous in-process client; see the module docs for an example.

    It owns an event loop, so use it from plain (non-``async``) tests.
    """

    __test__ = False

    def __init__(self, app: Any, **options: Any) -> None:
        self._async = AsyncTestClient(app, **options)
        self._loop = asyncio.new_event_loop()

    @property
    def app(self) -> Any:
        """The application under test."""
        return self._async.app

    @property
    def cookies(self) -> dict[str, str]:
        """The cookie jar shared by all requests of this client."""
        return self._async.cookies

    def _run(self, awaitable: Awaitable[_T]) -> _T:
        return self._loop.run_until_complete(awaitable)

    def __enter__(self) -> TestClient:
        self._run(self._async.start())
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Run shutdown hooks and close the client's event loop."""
        if not self._loop.is_closed():
            self._run(self._async.close())
            self._loop.close()

    def request(self, method: str, url: str, **kwargs: Any) -> TestResponse:
        """Send one request (keyword arguments as :meth:`AsyncTestClient.request`)."""
        return self._run(self._async.request(method, url, **kwargs))

    def websocket_connect(self, url: str, **kwargs: Any) -> WebSocketSession:
        """Open a WebSocket to ``url``; use it with ``with`` (see :class:`WebSocketSession`)."""
        self._run(self._async.start())
        return WebSocketSession(self._async.websocket_connect(url, **kwargs), self._run)

    get = _sync_verb("GET")
    head = _sync_verb("HEAD")
    options = _sync_verb("OPTIONS")
    post = _sync_verb("POST")
    put = _sync_verb("PUT")
    patch = _sync_verb("PATCH")
    delete = _sync_verb("DELETE")
