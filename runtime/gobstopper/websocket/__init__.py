"""WebSockets: the connection handlers receive, and rooms for broadcasting."""

from .connection import CloseCode, Message, WebSocket, WebSocketDisconnect
from .rooms import RoomManager

__all__ = ["CloseCode", "Message", "RoomManager", "WebSocket", "WebSocketDisconnect"]
