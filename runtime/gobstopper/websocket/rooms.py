"""Rooms: named groups of WebSocket connections that receive broadcasts together.

>>> rooms = RoomManager()
>>> @app.websocket("/ws/chat/<room>")
... async def chat(websocket: WebSocket, room: str):
...     await websocket.accept()
...     await rooms.join(room, websocket)
...     async for message in websocket:
...         await rooms.broadcast(room, message.data, exclude=websocket)

Connections leave their rooms by themselves when they end. A broadcast sends to every
member concurrently; a member that cannot take the message within ``send_timeout``
seconds, or whose connection is gone, is closed and removed, so one slow or dead member
never holds up the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable

from .connection import CloseCode, WebSocket, WebSocketDisconnect

__all__ = ["RoomManager", "leave_all"]

logger = logging.getLogger("gobstopper.websocket")


class RoomManager:
    """Rooms of the connections served by this process.

    :param send_timeout: seconds a member may take to accept one broadcast message.
    """

    def __init__(self, *, send_timeout: float = 5.0) -> None:
        self.send_timeout = send_timeout
        self._rooms: dict[Hashable, set[WebSocket]] = {}

    async def join(self, room: Hashable, websocket: WebSocket) -> None:
        """Add ``websocket`` to ``room`` (created on first join)."""
        self._rooms.setdefault(room, set()).add(websocket)
        websocket.rooms.add((self, room))

    async def leave(self, room: Hashable, websocket: WebSocket) -> None:
        """Remove ``websocket`` from ``room``; an emptied room disappears."""
        self._discard(room, websocket)

    def _discard(self, room: Hashable, websocket: WebSocket) -> None:
        members = self._rooms.get(room)
        if members is not None:
            members.discard(websocket)
            if not members:
                del self._rooms[room]
        websocket.rooms.discard((self, room))

    def members(self, room: Hashable) -> frozenset[WebSocket]:
        """The connections in ``room`` now."""
        return frozenset(self._rooms.get(room, ()))

    def rooms(self) -> list[Hashable]:
        """The rooms that have members."""
        return list(self._rooms)

    @property
    def room_count(self) -> int:
        """How many rooms have members."""
        return len(self._rooms)

    async def broadcast(
        self, room: Hashable, message: str | bytes, *, exclude: WebSocket | None = None
    ) -> int:
        """Send ``message`` to every member of ``room`` but ``exclude``; returns how many
        members got it."""
        return await self._deliver_to_members(room, message, exclude)

    async def _deliver_to_members(
        self, room: Hashable, message: str | bytes, exclude: WebSocket | None
    ) -> int:
        """Write to this process's members of ``room`` at once, wait for them together,
        and drop the ones that failed or did not take it within ``send_timeout``."""
        sending: dict[asyncio.Future[None], WebSocket] = {}
        for websocket in self._rooms.get(room, ()):
            if websocket is exclude:
                continue
            try:
                sending[websocket.send_nowait(message)] = websocket
            except WebSocketDisconnect:
                self._discard(room, websocket)
        if not sending:
            return 0
        done, slow = await asyncio.wait(sending, timeout=self.send_timeout)
        delivered = 0
        for future in done:
            if future.exception() is None:
                delivered += 1
            else:
                self._discard(room, sending[future])
        for future in slow:
            websocket = sending[future]
            logger.warning(
                "closing %r: it took over %ss to take a message", websocket, self.send_timeout
            )
            future.cancel()
            self._discard(room, websocket)
            await websocket.close(CloseCode.POLICY_VIOLATION)
        return delivered


def leave_all(websocket: WebSocket) -> None:
    """Take a finished connection out of every room it joined."""
    for manager, room in list(websocket.rooms):
        manager._discard(room, websocket)
