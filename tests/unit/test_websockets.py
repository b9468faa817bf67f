"""WebSocket handlers through the TestClient: messages, limits, close codes, rooms."""

from __future__ import annotations

import asyncio

import pytest

from gobstopper import Blueprint, Gobstopper
from gobstopper.testing import TestClient, WebSocketRejected
from gobstopper.websocket import CloseCode, RoomManager, WebSocket, WebSocketDisconnect

rooms = RoomManager(send_timeout=0.5)
finished: list[str] = []


def make_app() -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None)

    @app.websocket("/ws/echo")
    async def echo(websocket: WebSocket):
        await websocket.accept()
        async for message in websocket:
            await websocket.send_text(f"{message.type}: {message.data!r}")
        finished.append("echo")

    @app.websocket("/ws/json")
    async def json_echo(websocket: WebSocket):
        await websocket.accept()
        while True:
            payload = await websocket.receive_json()
            await websocket.send_json({"got": payload})

    @app.websocket("/ws/info/<int:number>")
    async def info(websocket: WebSocket, number: int):
        await websocket.accept()
        await websocket.send_json(
            {
                "number": number,
                "token": websocket.args.get("token"),
                "agent": websocket.headers.get("user-agent"),
                "cookie": websocket.cookies.get("sid"),
            }
        )
        await websocket.close(4000)

    @app.websocket("/ws/boom")
    async def boom(websocket: WebSocket):
        await websocket.accept()
        await websocket.receive_text()
        raise RuntimeError("handler bug")

    @app.websocket("/ws/fails-early")
    async def fails_early(websocket: WebSocket):
        raise RuntimeError("before accepting")

    @app.websocket("/ws/never")
    async def never(websocket: WebSocket):
        return None

    @app.websocket("/ws/closes-first")
    async def closes_first(websocket: WebSocket):
        await websocket.close(1000)

    @app.websocket("/ws/private", origins=["https://app.example"])
    async def private(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("welcome")

    @app.websocket("/ws/room/<name>")
    async def room(websocket: WebSocket, name: str):
        await websocket.accept()
        await rooms.join(name, websocket)
        await websocket.send_text("joined")
        try:
            async for message in websocket:
                await rooms.broadcast(name, message.data, exclude=websocket)
        finally:
            finished.append(f"room:{name}")

    live = Blueprint("live", __name__, url_prefix="/live")

    @live.websocket("/feed")
    async def feed(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_text("from a blueprint")

    app.register_blueprint(live)
    return app


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("GOBSTOPPER_MAX_WS_MESSAGE_BYTES", "1000")
    finished.clear()
    with TestClient(make_app()) as test_client:
        yield test_client


def test_echo_text_and_bytes(client: TestClient) -> None:
    with client.websocket_connect("/ws/echo") as ws:
        ws.send_text("hi")
        assert ws.receive_text() == "text: 'hi'"
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_text() == "bytes: b'\\x00\\x01'"
    assert finished == ["echo"]


def test_json_round_trip(client: TestClient) -> None:
    with client.websocket_connect("/ws/json") as ws:
        ws.send_json({"a": [1, 2]})
        assert ws.receive_json() == {"got": {"a": [1, 2]}}


def test_malformed_json_closes_with_1007(client: TestClient) -> None:
    with client.websocket_connect("/ws/json") as ws:
        ws.send_text("{not json")
        with pytest.raises(WebSocketDisconnect):
            ws.receive()
        assert ws.close_code == CloseCode.INVALID_PAYLOAD


def test_path_params_query_headers_and_cookies(client: TestClient) -> None:
    with client.websocket_connect(
        "/ws/info/7?token=abc", headers={"User-Agent": "pytest"}, cookies={"sid": "s1"}
    ) as ws:
        assert ws.receive_json() == {"number": 7, "token": "abc", "agent": "pytest", "cookie": "s1"}
        with pytest.raises(WebSocketDisconnect):
            ws.receive()
        assert ws.close_code == 4000


def test_oversized_message_closes_with_1009(client: TestClient) -> None:
    with client.websocket_connect("/ws/echo") as ws:
        ws.send_text("x" * 1000)
        assert ws.receive_text().startswith("text:")
        ws.send_bytes(b"x" * 1001)
        with pytest.raises(WebSocketDisconnect):
            ws.receive()
        assert ws.close_code == CloseCode.MESSAGE_TOO_BIG


def test_handler_exception_closes_with_1011_and_is_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with client.websocket_connect("/ws/boom") as ws:
        ws.send_text("go")
        with pytest.raises(WebSocketDisconnect):
            ws.receive()
        assert ws.close_code == CloseCode.INTERNAL_ERROR
    assert "RuntimeError: handler bug" in caplog.text


def test_unknown_path_is_refused_with_404(client: TestClient) -> None:
    with pytest.raises(WebSocketRejected) as rejected:
        client.websocket_connect("/ws/nowhere").__enter__()
    assert rejected.value.status == 404


@pytest.mark.parametrize("path", ["/ws/never", "/ws/closes-first"])
def test_handler_that_never_accepts_refuses_with_403(client: TestClient, path: str) -> None:
    with pytest.raises(WebSocketRejected) as rejected:
        client.websocket_connect(path).__enter__()
    assert rejected.value.status == 403


def test_handler_failing_before_accept_refuses_with_500(client: TestClient) -> None:
    with pytest.raises(WebSocketRejected) as rejected:
        client.websocket_connect("/ws/fails-early").__enter__()
    assert rejected.value.status == 500


def test_origin_allow_list(client: TestClient) -> None:
    with client.websocket_connect("/ws/private", headers={"Origin": "https://app.example"}) as ws:
        assert ws.receive_text() == "welcome"
    for origin in ({"Origin": "https://evil.example"}, {}):
        with pytest.raises(WebSocketRejected) as rejected:
            client.websocket_connect("/ws/private", headers=origin).__enter__()
        assert rejected.value.status == 403


def test_blueprint_websocket(client: TestClient) -> None:
    with client.websocket_connect("/live/feed") as ws:
        assert ws.receive_text() == "from a blueprint"


def test_room_broadcast_excludes_sender_and_members_leave_on_disconnect(
    client: TestClient,
) -> None:
    with client.websocket_connect("/ws/room/lobby") as alice:
        assert alice.receive_text() == "joined"
        with client.websocket_connect("/ws/room/lobby") as bob:
            assert bob.receive_text() == "joined"
            assert len(rooms.members("lobby")) == 2
            alice.send_text("hello bob")
            assert bob.receive_text() == "hello bob"
            bob.send_text("hi alice")
            assert alice.receive_text() == "hi alice"
        assert len(rooms.members("lobby")) == 1
    assert rooms.members("lobby") == frozenset()
    assert "lobby" not in rooms.rooms()
    assert finished == ["room:lobby", "room:lobby"]


def test_websocket_handlers_must_be_async() -> None:
    app = Gobstopper(__name__, static_folder=None)
    with pytest.raises(TypeError, match="async def"):

        @app.websocket("/ws")
        def sync_handler(websocket):
            return None


class _Member:
    """A connection stand-in whose sends are slow, fast or failing."""

    def __init__(self, stuck: bool = False, dead: bool = False) -> None:
        self.stuck = stuck
        self.dead = dead
        self.got: list[str | bytes] = []
        self.rooms: set[object] = set()
        self.closed_with: int | None = None

    async def send(self, message: str | bytes) -> None:
        if self.dead:
            raise WebSocketDisconnect(1001)
        if self.stuck:
            await asyncio.Event().wait()
        self.got.append(message)

    def send_nowait(self, message: str | bytes) -> asyncio.Future[None]:
        return asyncio.ensure_future(self.send(message))

    async def close(self, code: int) -> None:
        self.closed_with = code


async def test_slow_and_dead_members_do_not_block_a_broadcast() -> None:
    manager = RoomManager(send_timeout=0.2)
    fast, slow, dead = _Member(), _Member(stuck=True), _Member(dead=True)
    for member in (fast, slow, dead):
        await manager.join("r", member)  # type: ignore[arg-type]
    delivered = await manager.broadcast("r", "news")  # returns although one member never reads
    assert delivered == 1
    assert fast.got == ["news"]
    assert slow.closed_with == CloseCode.POLICY_VIOLATION
    assert manager.members("r") == frozenset({fast})
