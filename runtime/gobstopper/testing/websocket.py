"""WebSocket connections to the application under test, with queues in place of a socket.

:class:`AsyncWebSocketSession` drives the application's handler through Granian's
WebSocket protocol (accept, receive, send, close); :class:`WebSocketSession` is its
synchronous twin for :class:`~gobstopper.testing.TestClient`. httpx has no WebSocket
support, so this part of the test client is Gobstopper's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, Protocol, TypeVar

import msgspec
from granian.rsgi import ProtocolClosed

from ..websocket.connection import WebSocketDisconnect
from .rsgi import RSGIApp, Scope

__all__ = ["AsyncWebSocketSession", "WebSocketRejected", "WebSocketSession"]

#: How long ``receive*`` and ``wait_closed`` wait before the test fails instead of hanging.
_TIMEOUT = 10

_T = TypeVar("_T")


class WebSocketRejected(Exception):
    """The application refused the upgrade with HTTP ``status`` (403, 404...)."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"the application refused the WebSocket upgrade with {status}")


class _Message:
    """A received frame: ``kind`` 0 (closed), 1 (bytes) or 2 (text)."""

    def __init__(self, kind: int, data: str | bytes | None) -> None:
        self.kind = kind
        self.data = data


class _Transport:
    """What ``accept()`` returns: the application's end of the connection."""

    def __init__(self, protocol: _Protocol) -> None:
        self._protocol = protocol

    async def receive(self) -> _Message:
        if self._protocol.closed.is_set():
            raise ProtocolClosed("RSGI transport is closed")
        return await self._protocol.inbound.get()

    async def send_bytes(self, data: bytes) -> None:
        self._protocol.deliver(bytes(data))

    async def send_str(self, data: str) -> None:
        self._protocol.deliver(data)


class _Protocol:
    """Granian's WebSocket protocol: the handshake, and a queue each way."""

    def __init__(self) -> None:
        self.inbound: asyncio.Queue[_Message] = asyncio.Queue()
        self.outbound: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self.handshake = asyncio.Event()
        self.closed = asyncio.Event()
        self.accepted = False
        self.status: int | None = None

    async def accept(self) -> _Transport:
        self.accepted = True
        self.handshake.set()
        return _Transport(self)

    def close(self, status: int | None) -> tuple[int, bool]:
        if not self.closed.is_set():
            self.status = status
            self.closed.set()
            self.handshake.set()
            self.outbound.put_nowait(None)
        return (status or 0, self.accepted)

    def deliver(self, data: str | bytes) -> None:
        if self.closed.is_set():
            raise ProtocolClosed("RSGI transport is closed")
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

    def __init__(self, app: RSGIApp, scope: Scope) -> None:
        self._app = app
        self._scope = scope
        self._protocol = _Protocol()
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
        self._protocol.inbound.put_nowait(_Message(2, data))

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message to the application."""
        self._protocol.inbound.put_nowait(_Message(1, bytes(data)))

    async def send_json(self, data: Any) -> None:
        """Send ``data`` as a JSON text message."""
        await self.send_text(msgspec.json.encode(data).decode())

    async def receive(self) -> str | bytes:
        """The next message the application sent (text or bytes)."""
        message = await asyncio.wait_for(self._protocol.outbound.get(), _TIMEOUT)
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
        self._protocol.inbound.put_nowait(_Message(0, None))
        await self.wait_closed()

    async def wait_closed(self) -> None:
        """Wait (up to 10 s) until the handler has returned."""
        if self._task is not None:
            await asyncio.wait_for(asyncio.shield(self._task), _TIMEOUT)

    async def __aenter__(self) -> AsyncWebSocketSession:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class Runner(Protocol):
    """Runs an awaitable to completion on the synchronous test client's event loop."""

    def __call__(self, awaitable: Awaitable[_T], /) -> _T: ...


class WebSocketSession:
    """The synchronous twin of :class:`AsyncWebSocketSession`, from :class:`TestClient`.

    >>> with client.websocket_connect("/ws/echo") as ws:
    ...     ws.send_text("hi")
    ...     assert ws.receive_text() == "echo: hi"
    """

    __test__ = False

    def __init__(self, session: AsyncWebSocketSession, run: Runner) -> None:
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
