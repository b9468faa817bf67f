"""WebSockets through a real Granian server with the ``websockets`` client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import Server

pytestmark = pytest.mark.integration

APP = """
from gobstopper import Gobstopper
from gobstopper.websocket import RoomManager, WebSocket

app = Gobstopper(__name__)
rooms = RoomManager()
ended = []


@app.websocket("/ws/echo")
async def echo(websocket: WebSocket):
    await websocket.accept()
    async for message in websocket:
        await websocket.send(message.data)
    ended.append("echo")


@app.websocket("/ws/room/<name>", origins=["http://allowed.example"])
async def room(websocket: WebSocket, name: str):
    await websocket.accept()
    await rooms.join(name, websocket)
    await websocket.send_text("joined")
    async for message in websocket:
        await rooms.broadcast(name, message.data, exclude=websocket)
    ended.append(name)


feed = RoomManager(send_timeout=1)


@app.websocket("/ws/feed")
async def feed_member(websocket: WebSocket):
    await websocket.accept()
    await feed.join("feed", websocket)
    await websocket.send_text("joined")
    async for message in websocket:
        chunk = b"x" * 65536
        for _ in range(int(message.data)):
            await feed.broadcast("feed", chunk)
        await websocket.send_text(f"done; members left: {len(feed.members('feed'))}")


@app.get("/stats")
async def stats():
    return {"rooms": {name: len(rooms.members(name)) for name in rooms.rooms()}, "ended": ended}
"""

ORIGIN = {"Origin": "http://allowed.example"}


@pytest.fixture
def server(serve: Callable[..., Server]) -> Server:
    return serve(APP, env={"GOBSTOPPER_MAX_WS_MESSAGE_BYTES": "2048"})


def ws_url(server: Server, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


async def test_echo_text_and_bytes(server: Server) -> None:
    async with websockets.connect(ws_url(server, "/ws/echo")) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"
        await ws.send(b"\x00\xff")
        assert await ws.recv() == b"\x00\xff"


async def test_origin_outside_the_allow_list_gets_http_403(server: Server) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(
            ws_url(server, "/ws/room/a"), additional_headers={"Origin": "http://evil.example"}
        )
    assert refused.value.response.status_code == 403


async def test_unknown_path_gets_http_404(server: Server) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(ws_url(server, "/ws/nowhere"))
    assert refused.value.response.status_code == 404


async def test_oversized_message_closes_the_connection(server: Server) -> None:
    async with websockets.connect(ws_url(server, "/ws/echo")) as ws:
        await ws.send("x" * 2048)
        assert len(await ws.recv()) == 2048
        await ws.send("x" * 2049)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)


async def test_broadcast_and_membership_cleanup_on_disconnect(server: Server) -> None:
    url = ws_url(server, "/ws/room/lobby")
    clients = [await websockets.connect(url, additional_headers=ORIGIN) for _ in range(3)]
    for client in clients:
        assert await client.recv() == "joined"
    await clients[0].send("news")
    assert [await c.recv() for c in clients[1:]] == ["news", "news"]
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{server.url}/stats")).json()["rooms"] == {"lobby": 3}
        # One closes politely, one just drops its TCP connection.
        await clients[1].close()
        clients[2].transport.abort()
        await clients[0].send("still here")
        for _ in range(100):
            stats = (await http.get(f"{server.url}/stats")).json()
            if stats["rooms"] == {"lobby": 1} and stats["ended"].count("lobby") == 2:
                break
            await asyncio.sleep(0.05)
        assert stats["rooms"] == {"lobby": 1}
        assert stats["ended"].count("lobby") == 2
        await clients[0].close()
        for _ in range(100):
            stats = (await http.get(f"{server.url}/stats")).json()
            if not stats["rooms"]:
                break
            await asyncio.sleep(0.05)
        assert stats["rooms"] == {}


async def test_a_client_that_stops_reading_is_dropped_without_unbounded_buffering(
    server: Server,
) -> None:
    """Each send waits for the socket: once a client stops reading, its sends stall (the
    server buffers no more than the socket does) and the room closes it after
    ``send_timeout``, while a reading member gets all 25 MiB."""
    url = ws_url(server, "/ws/feed")
    async with (
        websockets.connect(url, max_size=None) as reader,
        websockets.connect(url, max_size=None, max_queue=1, close_timeout=1) as sleeper,
    ):
        assert await reader.recv() == "joined"
        assert await sleeper.recv() == "joined"
        await reader.send("400")
        received = 0
        while isinstance(message := await asyncio.wait_for(reader.recv(), 30), bytes):
            received += len(message)
        assert received == 400 * 65536
        assert message == "done; members left: 1"
