"""WebSockets: the connection handlers receive, and rooms for broadcasting.

:class:`RedisRoomManager` (extra ``redis``) is imported on first use, so the package works
without the redis client installed.
"""

from typing import Any

from .connection import CloseCode, Message, WebSocket, WebSocketDisconnect
from .rooms import RoomManager

__all__ = [
    "CloseCode",
    "Message",
    "RedisRoomManager",
    "RoomManager",
    "WebSocket",
    "WebSocketDisconnect",
]


def __getattr__(name: str) -> Any:
    if name == "RedisRoomManager":
        from .redis_rooms import RedisRoomManager

        return RedisRoomManager
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
