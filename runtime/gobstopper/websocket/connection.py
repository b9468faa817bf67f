"""The :class:`WebSocket` a handler receives: accept, receive, send, close — over RSGI.

>>> @app.websocket("/ws/echo")
... async def echo(websocket: WebSocket):
...     await websocket.accept()
...     async for message in websocket:
...         await websocket.send_text(f"echo: {message.data}")

A client that goes away ends ``async for`` (and makes ``receive()`` raise
:class:`WebSocketDisconnect`). Messages larger than ``max_message_bytes`` close the
connection with 1009; an exception escaping the handler closes it with 1011 and is logged.

Granian (2.8) sends every application close as a close frame without a status code, so a
client sees 1005 whatever code the application chose; the code is still passed to the
server (and shown by the :class:`~gobstopper.testing.TestClient`), for servers that send it.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec
from granian.rsgi import ProtocolClosed, WebsocketMessageType

from ..http.request import Request
from ..http.rsgi import RSGIScope, WebSocketProtocol, WebSocketTransport

if TYPE_CHECKING:
    from ..app import Gobstopper

__all__ = ["CloseCode", "Message", "WebSocket", "WebSocketDisconnect"]

_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode


class CloseCode(enum.IntEnum):
    """WebSocket close codes (RFC 6455 §7.4) used by Gobstopper."""

    NORMAL = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    INVALID_PAYLOAD = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011


class WebSocketDisconnect(Exception):
    """The connection is closed (by the client, or by us); ``code`` says why."""

    def __init__(self, code: int = CloseCode.NORMAL, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        super().__init__(code, reason)


class Message(NamedTuple):
    """One received message: ``type`` is ``"text"`` or ``"bytes"``."""

    type: str
    data: str | bytes


class _State(enum.Enum):
    CONNECTING = 0
    CONNECTED = 1
    CLOSED = 2


class WebSocket:
    """One WebSocket connection, as a handler sees it.

    The upgrade request is available as :attr:`request` (headers, cookies, query
    arguments, client address); :attr:`path_params` holds the converted path parameters.
    """

    __slots__ = (
        "_protocol",
        "_state",
        "_transport",
        "app",
        "close_code",
        "max_message_bytes",
        "path_params",
        "request",
        "rooms",
    )

    def __init__(
        self,
        scope: RSGIScope,
        protocol: WebSocketProtocol,
        app: Gobstopper,
        path_params: dict[str, Any],
    ) -> None:
        self._protocol = protocol
        self._transport: WebSocketTransport | None = None
        self._state = _State.CONNECTING
        self.app = app
        self.request = Request(scope, None, app)
        self.path_params = path_params
        self.max_message_bytes = app.settings.max_ws_message_bytes
        #: Rooms this connection has joined (left automatically when it ends).
        self.rooms: set[Any] = set()
        #: The close code once the connection is closed, else ``None``.
        self.close_code: int | None = None

    # -- the upgrade request --------------------------------------------------------------

    @property
    def path(self) -> str:
        """The path the client connected to."""
        return self.request.path

    @property
    def headers(self) -> Any:
        """Headers of the upgrade request."""
        return self.request.headers

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies of the upgrade request."""
        return self.request.cookies

    @property
    def args(self) -> Any:
        """Query-string arguments of the upgrade request."""
        return self.request.args

    @property
    def session(self) -> Any:
        """The session of the upgrade request (with a session middleware). It is read when
        the client connects; changes made here are not saved, as no cookie can be set."""
        return self.request.session

    @property
    def accepted(self) -> bool:
        """Whether :meth:`accept` completed (the connection may since have closed)."""
        return self._transport is not None

    @property
    def rejected(self) -> bool:
        """Whether the upgrade was refused with an HTTP status."""
        return self._state is _State.CLOSED and self._transport is None

    @property
    def connected(self) -> bool:
        """Whether the connection is accepted and not closed."""
        return self._state is _State.CONNECTED

    # -- lifecycle ------------------------------------------------------------------------

    async def accept(self) -> None:
        """Complete the handshake (RSGI offers no subprotocol selection)."""
        if self._state is not _State.CONNECTING:
            raise RuntimeError("the WebSocket is already accepted or closed")
        self._transport = await self._protocol.accept()
        self._state = _State.CONNECTED

    async def close(self, code: int = CloseCode.NORMAL, reason: str = "") -> None:
        """Close the connection with ``code`` (``reason`` is not carried by RSGI).

        Before :meth:`accept` this refuses the upgrade with HTTP 403 instead.
        """
        if self._transport is None:
            if self._state is _State.CONNECTING:
                self.refuse(403)
            return
        self.close_nowait(code)

    def close_nowait(self, code: int) -> None:
        """Close the accepted connection with ``code`` at once, without waiting (the
        server sends the close frame)."""
        if self._state is _State.CLOSED:
            return
        self._state = _State.CLOSED
        self.close_code = code
        self._protocol.close(code)

    def refuse(self, status: int) -> None:
        """Refuse the upgrade with an HTTP ``status`` (before :meth:`accept`): for a
        handler that turns a client away (403), or the server when no handler ran."""
        self._state = _State.CLOSED
        self._protocol.close(status)

    # -- receiving ------------------------------------------------------------------------

    async def receive(self) -> Message:
        """Wait for the next message; raises :class:`WebSocketDisconnect` once closed.

        A connection not yet accepted is accepted first (as in Quart)."""
        if self._state is _State.CONNECTING:
            await self.accept()
        transport = self._transport_or_raise()
        try:
            raw = await transport.receive()
        except ProtocolClosed:
            # The peer is gone or broke the protocol (an invalid UTF-8 text frame, say).
            self._state = _State.CLOSED
            self.close_code = CloseCode.GOING_AWAY
            raise WebSocketDisconnect(CloseCode.GOING_AWAY) from None
        kind = raw.kind
        if kind == WebsocketMessageType.close:
            self._state = _State.CLOSED
            self.close_code = CloseCode.NORMAL
            raise WebSocketDisconnect(CloseCode.NORMAL)
        data = raw.data
        if data is None:  # only a closing frame carries no data
            data = b""
        if len(data) > self.max_message_bytes:
            self.close_nowait(CloseCode.MESSAGE_TOO_BIG)
            raise WebSocketDisconnect(CloseCode.MESSAGE_TOO_BIG, "message too big")
        return Message("text" if kind == WebsocketMessageType.string else "bytes", data)

    async def receive_text(self) -> str:
        """The next message as text (bytes must be UTF-8, else the connection closes 1007)."""
        message = await self.receive()
        if message.type == "text":
            return message.data  # type: ignore[return-value]
        try:
            return message.data.decode()  # type: ignore[union-attr]
        except UnicodeDecodeError:
            self.close_nowait(CloseCode.INVALID_PAYLOAD)
            raise WebSocketDisconnect(CloseCode.INVALID_PAYLOAD, "invalid UTF-8") from None

    async def receive_bytes(self) -> bytes:
        """The next message as bytes (text is UTF-8 encoded)."""
        message = await self.receive()
        data = message.data
        return data.encode() if isinstance(data, str) else data

    async def receive_json(self) -> Any:
        """The next message decoded as JSON; malformed JSON closes the connection (1007)."""
        message = await self.receive()
        try:
            return _json_decode(message.data)
        except msgspec.DecodeError:
            self.close_nowait(CloseCode.INVALID_PAYLOAD)
            raise WebSocketDisconnect(CloseCode.INVALID_PAYLOAD, "malformed JSON") from None

    async def __aiter__(self) -> AsyncIterator[Message]:
        try:
            while True:
                yield await self.receive()
        except WebSocketDisconnect:
            return

    # -- sending --------------------------------------------------------------------------

    async def send_text(self, data: str) -> None:
        """Send a text message; each send waits until the server has written it.

        A connection not yet accepted is accepted first (as in Quart)."""
        if not isinstance(data, str):
            raise TypeError(_wrong_payload("send_text", data))
        if self._state is _State.CONNECTING:
            await self.accept()
        await self._send(self._transport_or_raise().send_str, data)

    async def send_bytes(self, data: bytes | bytearray | memoryview) -> None:
        """Send a binary message (accepting the connection first if needed)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(_wrong_payload("send_bytes", data))
        if self._state is _State.CONNECTING:
            await self.accept()
        await self._send(self._transport_or_raise().send_bytes, bytes(data))

    async def send_json(self, data: Any) -> None:
        """Send ``data`` encoded as JSON (msgspec) in a text message."""
        await self.send_text(_json_encode(data).decode())

    async def send(self, data: str | bytes | Message) -> None:
        """Send text or bytes, whichever ``data`` is; a received :class:`Message` is sent
        back as it came (its data, as text or bytes)."""
        if isinstance(data, Message):
            data = data.data
        if isinstance(data, str):
            await self.send_text(data)
        elif isinstance(data, (bytes, bytearray, memoryview)):
            await self.send_bytes(data)
        else:
            raise TypeError(_wrong_payload("send", data))

    def send_nowait(self, data: str | bytes) -> asyncio.Future[None]:
        """Start sending ``data`` and return a future that completes once it is written
        (or fails with :class:`WebSocketDisconnect`). Broadcasts use it to write to many
        connections at once and wait for them together."""
        transport = self._transport_or_raise()
        if isinstance(data, str):
            sending = transport.send_str(data)
        else:
            sending = transport.send_bytes(bytes(data))
        future = asyncio.ensure_future(sending)
        future.add_done_callback(self._sent)
        return future

    def _sent(self, future: asyncio.Future[None]) -> None:
        if not future.cancelled() and future.exception() is not None:
            self._gone()

    def _gone(self) -> None:
        """The server reported the connection closed while sending."""
        self._state = _State.CLOSED
        self.close_code = self.close_code or CloseCode.GOING_AWAY

    def _transport_or_raise(self) -> WebSocketTransport:
        if self._state is not _State.CONNECTED or self._transport is None:
            raise WebSocketDisconnect(self.close_code or CloseCode.NORMAL)
        return self._transport

    async def _send(self, send: Any, data: Any) -> None:
        try:
            await send(data)
        except ProtocolClosed:
            self._gone()
            raise WebSocketDisconnect(CloseCode.GOING_AWAY) from None

    def __repr__(self) -> str:
        return f"<WebSocket {self.request.path} {self._state.name.lower()}>"


def _wrong_payload(method: str, data: object) -> str:
    return (
        f"websocket.{method}() cannot send a {type(data).__name__}: send_text() takes str, "
        "send_bytes() takes bytes, send_json() takes anything JSON can encode"
    )
