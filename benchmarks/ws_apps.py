"""The servers of the WebSocket broadcast benchmark: every message a client sends is
broadcast to every other connection.

- ``bare``: a bare RSGI callable keeping its connections in a set (the baseline);
- ``memory``: Gobstopper with the in-process :class:`RoomManager`;
- ``redis``: Gobstopper with :class:`RedisRoomManager` (``BENCH_REDIS_URL``), meant to
  run with several workers.

A new connection first receives the worker's process id, so the client can tell how the
connections spread over the workers.
"""

import asyncio
import os

from gobstopper import Gobstopper
from gobstopper.websocket import RedisRoomManager, RoomManager, WebSocket

_members: set = set()


async def bare(scope, protocol):
    if scope.proto != "ws":
        protocol.response_str(404, [], "")
        return
    transport = await protocol.accept()
    await transport.send_str(str(os.getpid()))
    _members.add(transport)
    try:
        while True:
            message = await transport.receive()
            if message.kind == 0:
                break
            # Granian's sends are futures that start at once: write to all, wait for all.
            sending = [m.send_str(message.data) for m in _members if m is not transport]
            if sending:
                await asyncio.wait(sending)
    except Exception:  # the peer went away (Granian's RSGIProtocolClosed)
        pass
    finally:
        _members.discard(transport)
        protocol.close(1000)


def _broadcaster(rooms: RoomManager) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None)

    @app.websocket("/ws")
    async def member(websocket: WebSocket):
        await websocket.accept()
        await rooms.join("bench", websocket)
        await websocket.send_text(str(os.getpid()))
        async for message in websocket:
            await rooms.broadcast("bench", message.data, exclude=websocket)

    return app


memory = _broadcaster(RoomManager())
redis = _broadcaster(
    RedisRoomManager(
        os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        channel_prefix=f"bench:{os.getppid()}:",
    )
)
