"""Redis-backed rooms against a real Redis: two managers in one process stand in for two
worker processes (each has its own connection and origin id)."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from gobstopper import Gobstopper
from gobstopper.testing import AsyncTestClient
from gobstopper.websocket import RedisRoomManager, WebSocket

from ..backends import RedisServer


def two_workers(url: str) -> tuple[Gobstopper, RedisRoomManager, RedisRoomManager]:
    """One app whose ``/a/<room>`` members live in manager A and ``/b/<room>`` in B."""
    prefix = f"test:{uuid.uuid4().hex}:"
    first = RedisRoomManager(url, channel_prefix=prefix, subscribe_timeout=1)
    second = RedisRoomManager(url, channel_prefix=prefix, subscribe_timeout=1)
    app = Gobstopper(__name__, static_folder=None)

    for path, manager in (("/a/<room>", first), ("/b/<room>", second)):

        def route(manager: RedisRoomManager = manager):
            async def chat(websocket: WebSocket, room: str) -> None:
                await websocket.accept()
                await manager.join(room, websocket)
                await websocket.send_text("joined")
                async for message in websocket:
                    await manager.broadcast(room, message.data, exclude=websocket)

            return chat

        app.websocket(path, endpoint=path)(route())
    app.on_shutdown(first.aclose)
    app.on_shutdown(second.aclose)
    return app, first, second


async def wait_for_log(caplog: pytest.LogCaptureFixture, text: str) -> None:
    """Wait (at most 10 s) until ``text`` is logged: the failed publish is logged after
    local delivery has already happened."""
    for _ in range(200):
        if text in caplog.text:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"{text!r} was never logged:\n{caplog.text}")


async def test_a_broadcast_reaches_members_of_another_process(redis_url: str) -> None:
    app, first, second = two_workers(redis_url)
    async with AsyncTestClient(app) as client:
        async with (
            client.websocket_connect("/a/lobby") as alice,
            client.websocket_connect("/a/lobby") as carol,
            client.websocket_connect("/b/lobby") as bob,
            client.websocket_connect("/b/kitchen") as dave,
        ):
            for ws in (alice, carol, bob, dave):
                assert await ws.receive_text() == "joined"
            await alice.send_text("hello from A")
            assert await carol.receive_text() == "hello from A"  # same process
            assert await bob.receive_text() == "hello from A"  # through Redis
            await bob.send_bytes(b"\x00binary from B")
            assert await alice.receive_bytes() == b"\x00binary from B"
            assert await carol.receive_bytes() == b"\x00binary from B"
            # the sender was excluded, and another room heard nothing
            for ws in (alice, bob, dave):
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(ws.receive(), 0.3)
            assert len(first.members("lobby")) == 2
        assert first.room_count == 0
        assert second.room_count == 0


async def test_rooms_are_named_by_strings(redis_url: str) -> None:
    manager = RedisRoomManager(redis_url)
    with pytest.raises(TypeError, match="strings"):
        await manager.broadcast(42, "x")


async def test_redis_going_away_degrades_to_local_delivery_and_recovers(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    app, first, second = two_workers(own_redis.url)
    async with (
        AsyncTestClient(app) as client,
        client.websocket_connect("/a/r") as alice,
        client.websocket_connect("/a/r") as carol,
        client.websocket_connect("/b/r") as bob,
    ):
        for ws in (alice, carol, bob):
            assert await ws.receive_text() == "joined"
        assert first.subscribed

        own_redis.stop()
        with caplog.at_level(logging.WARNING, logger="gobstopper.websocket"):
            await alice.send_text("while Redis is down")
            assert await carol.receive_text() == "while Redis is down"
            await wait_for_log(caplog, "reached this process only")
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(bob.receive(), 0.3)

        own_redis.start()
        for _ in range(400):
            if first.subscribed and second.subscribed:
                break
            await asyncio.sleep(0.05)
        assert first.subscribed
        assert second.subscribed
        await alice.send_text("Redis is back")
        assert await bob.receive_text() == "Redis is back"
        assert await carol.receive_text() == "Redis is back"
