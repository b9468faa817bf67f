"""Rooms across Granian worker processes: ``gobstopper run -w 2`` with real Redis."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable

import pytest
import websockets

from tests.conftest import Server, wait_for_workers

pytestmark = pytest.mark.integration

APP = """
import os

from gobstopper import Gobstopper
from gobstopper.websocket import RedisRoomManager, WebSocket

app = Gobstopper(__name__)
rooms = RedisRoomManager(os.environ["REDIS_URL"], channel_prefix=os.environ["PREFIX"])
app.on_shutdown(rooms.aclose)


@app.websocket("/ws/<room>")
async def chat(websocket: WebSocket, room: str):
    await websocket.accept()
    await rooms.join(room, websocket)
    await websocket.send_json({"pid": os.getpid()})
    async for message in websocket:
        await rooms.broadcast(room, message.data)


@app.get("/pid")
async def pid():
    return {"pid": os.getpid()}
"""


async def test_clients_on_both_workers_receive_every_broadcast(
    serve: Callable[..., Server], redis_url: str
) -> None:
    server = serve(
        APP, "-w", "2", env={"REDIS_URL": redis_url, "PREFIX": f"test:{uuid.uuid4().hex}:"}
    )
    wait_for_workers(server, "/pid")
    url = f"ws://127.0.0.1:{server.port}/ws/hall"
    clients, pids = [], []
    try:
        # Connections are spread by the kernel; open them until both workers hold some.
        while len(clients) < 8 or len(set(pids)) < 2:
            assert len(clients) < 200, f"every connection landed on one worker: {set(pids)}"
            client = await websockets.connect(url)
            clients.append(client)
            pids.append(json.loads(await client.recv())["pid"])

        for index, client in enumerate(clients):
            await client.send(f"message {index}")
        expected = {f"message {index}" for index in range(len(clients))}
        for client in clients:
            got = {await asyncio.wait_for(client.recv(), 10) for _ in expected}
            assert got == expected
    finally:
        for client in clients:
            await client.close()
    assert len(set(pids)) == 2
