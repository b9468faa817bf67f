"""The ``live`` blueprint: a page and a WebSocket on which new notes appear as they are
created (other blueprints call :func:`publish`)."""

from __future__ import annotations

from typing import Any

import msgspec

from gobstopper import Blueprint, render_template
from gobstopper.websocket import RoomManager, WebSocket

__all__ = ["live", "publish"]

live = Blueprint(
    "live", __name__, url_prefix="/live", template_folder="templates", static_folder="static"
)
rooms = RoomManager()
_encode = msgspec.json.Encoder().encode


async def publish(event: dict[str, Any]) -> int:
    """Push ``event`` to every open live page; returns how many got it."""
    return await rooms.broadcast("notes", _encode(event).decode())


@live.get("/")
async def page() -> str:
    """The page that shows notes as they come."""
    return await render_template("live/page.html")


@live.websocket("/ws")
async def feed(websocket: WebSocket) -> None:
    """Join the ``notes`` room and stay until the client leaves; clients only listen."""
    await websocket.accept()
    await rooms.join("notes", websocket)
    await websocket.send_text(_encode({"connected": len(rooms.members("notes"))}).decode())
    async for _ in websocket:
        await websocket.send_text(_encode({"error": "this feed is read-only"}).decode())
