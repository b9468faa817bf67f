"""docs/websockets.rst: chat rooms in one process and through Redis, a Quart-style echo
accepted on its first receive, a middleware refusing connections, and the testing
sample."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gobstopper import Gobstopper
from gobstopper.testing import TestClient, WebSocketRejected

from .ledger import docs_page
from .services import require_local

LEDGER = docs_page("websockets")
CHAT = LEDGER.run("from gobstopper import Gobstopper")
REDIS_ROOMS = LEDGER.run("from gobstopper.websocket import RedisRoomManager")
TESTING = LEDGER.run('with client.websocket_connect("/ws/chat/lobby") as ann:')
ECHO = LEDGER.run('@app.websocket("/ws/echo")')
REQUIRE_TOKEN = LEDGER.run("class RequireToken:")


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


def test_an_echo_without_accept_is_accepted_on_its_first_receive() -> None:
    app = Gobstopper("docs_sample")
    ECHO.exec(app=app)
    with TestClient(app) as client, client.websocket_connect("/ws/echo") as socket:
        socket.send_text("hello")
        assert socket.receive_text() == "hello"
        socket.send_bytes(b"\x00\x01")
        assert socket.receive_bytes() == b"\x00\x01"


def test_a_middlewares_websocket_hook_refuses_before_the_handler() -> None:
    app = Gobstopper("docs_sample")
    ECHO.exec(app=app)
    REQUIRE_TOKEN.exec(app=app)
    with TestClient(app) as client:
        with pytest.raises(WebSocketRejected) as refused, client.websocket_connect("/ws/echo"):
            pass
        assert refused.value.status == 403
        with client.websocket_connect("/ws/echo?token=sesame") as socket:
            socket.send_text("in")
            assert socket.receive_text() == "in"
        assert client.get("/nothing").status_code == 404
