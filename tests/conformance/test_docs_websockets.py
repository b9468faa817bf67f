"""docs/websockets.rst: chat rooms in one process and through Redis, and the testing
sample."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gobstopper import Gobstopper
from gobstopper.testing import TestClient

from .ledger import docs_page
from .services import require_local

LEDGER = docs_page("websockets")
CHAT = LEDGER.run("from gobstopper import Gobstopper")
REDIS_ROOMS = LEDGER.run("from gobstopper.websocket import RedisRoomManager")
TESTING = LEDGER.run('with client.websocket_connect("/ws/chat/lobby") as ann:')


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


def _chat(app: Gobstopper) -> None:
    with (
        TestClient(app) as client,
        client.websocket_connect("/ws/chat/lobby") as ann,
        client.websocket_connect("/ws/chat/lobby") as bob,
        client.websocket_connect("/ws/chat/kitchen") as cook,
    ):
        ann.send_text("hi")
        assert bob.receive_text() == "hi"
        cook.send_text("soup")
        bob.send_text("hello")
        assert ann.receive_text() == "hello"


def test_room_broadcast_reaches_the_other_members(workdir: Path) -> None:
    namespace = CHAT.exec()
    _chat(namespace["app"])
    assert namespace["rooms"].rooms() == []


def test_the_same_chat_on_redis_rooms(workdir: Path) -> None:
    require_local(6379, "Redis server")
    namespace = CHAT.exec()
    REDIS_ROOMS.exec(namespace)
    assert type(namespace["rooms"]).__name__ == "RedisRoomManager"
    _chat(namespace["app"])


def test_the_testing_sample(workdir: Path) -> None:
    namespace: dict[str, Any] = CHAT.exec()
    with TestClient(namespace["app"]) as client:
        TESTING.exec(client=client)
