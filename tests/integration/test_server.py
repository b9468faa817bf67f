"""Real Granian servers started with ``gobstopper run``: behaviour and hostile input."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration

APP = """
import os
from pathlib import Path

import msgspec

from gobstopper import Gobstopper, Request, StreamResponse, abort

app = Gobstopper(__name__)
MARKERS = Path(os.environ["MARKER_DIR"])


class Item(msgspec.Struct):
    name: str
    price: float


@app.on_startup
def started():
    (MARKERS / f"started-{os.getpid()}").write_text("yes")


@app.on_shutdown
async def stopped():
    (MARKERS / f"stopped-{os.getpid()}").write_text("yes")


@app.get("/")
async def index():
    return "hello"


@app.get("/gc")
async def collector():
    import gc

    return {"frozen": gc.get_freeze_count()}


@app.get("/pid")
async def pid():
    return {"pid": os.getpid(), "env": os.environ.get("ENV")}


@app.get("/users/<int:user_id>")
async def user(user_id: int, request: Request):
    return {"id": user_id, "client": request.client_ip, "tags": request.args.getlist("t")}


@app.get("/echo/<path:rest>")
async def echo(rest):
    return {"rest": rest}


@app.post("/items")
async def create(item: Item):
    return item, 201


@app.post("/upload")
async def upload(request: Request):
    return {"size": len(await request.body())}


@app.get("/stream")
async def stream():
    async def parts():
        for number in range(5):
            yield f"part {number}\\n"
    return StreamResponse(parts(), content_type="text/plain")


@app.get("/teapot")
async def teapot():
    abort(418, "short and stout")
"""


@pytest.fixture
def markers(tmp_path: Path) -> Path:
    directory = tmp_path / "markers"
    directory.mkdir()
    return directory


@pytest.fixture
def server(serve, markers: Path):
    return serve(APP, env={"MARKER_DIR": str(markers)})


def raw_request(port: int, payload: bytes, timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_routes_answer_through_granian(server) -> None:
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/").text == "hello"
        user = client.get("/users/7?t=a&t=b").json()
        assert user == {"id": 7, "client": "127.0.0.1", "tags": ["a", "b"]}
        created = client.post("/items", json={"name": "pen", "price": 1.5})
        assert created.status_code == 201
        assert created.json() == {"name": "pen", "price": 1.5}
        assert client.get("/stream").text == "".join(f"part {n}\n" for n in range(5))
        teapot = client.get("/teapot", headers={"accept": "application/json"})
        assert teapot.status_code == 418
        assert teapot.json()["message"] == "short and stout"
        # The worker froze what its startup made, out of the collector's reach.
        assert client.get("/gc").json()["frozen"] > 10_000


def test_head_and_options_through_granian(server) -> None:
    with httpx.Client(base_url=server.url) as client:
        head = client.head("/")
        assert head.status_code == 200
        assert head.headers["content-length"] == "5"
        assert head.content == b""
        options = client.options("/items")
        assert options.status_code == 204
        assert options.headers["allow"] == "OPTIONS, POST"


def test_startup_and_shutdown_hooks_run_in_the_worker(serve, markers: Path) -> None:
    server = serve(APP, env={"MARKER_DIR": str(markers)})
    assert any(path.name.startswith("started-") for path in markers.iterdir())
    server.stop()
    assert any(path.name.startswith("stopped-") for path in markers.iterdir())


def test_validation_errors_through_granian(server) -> None:
    with httpx.Client(base_url=server.url) as client:
        wrong = client.post("/items", json={"name": "pen", "price": "free"})
        assert wrong.status_code == 422
        assert wrong.json()["detail"]["field"] == "price"
        malformed = client.post(
            "/items", content=b"{", headers={"content-type": "application/json"}
        )
        assert malformed.status_code == 400
        form = client.post("/items", data={"name": "pen"})
        assert form.status_code == 415
        deep = b"[" * 10_000 + b"]" * 10_000
        nested = client.post("/items", content=deep, headers={"content-type": "application/json"})
        assert nested.status_code == 400


def test_hundred_megabyte_body_gets_413_without_being_read(server) -> None:
    started = time.monotonic()
    head = (
        b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Length: 104857600\r\n\r\n"
    )
    reply = raw_request(server.port, head + b"x" * 65536, timeout=3)
    assert reply.startswith(b"HTTP/1.1 413")
    assert time.monotonic() - started < 10


def test_chunked_body_over_the_limit_gets_413(server) -> None:
    def chunks():
        for _ in range(40):
            yield b"x" * 65536

    with httpx.Client(base_url=server.url) as client:
        response = client.post("/upload", content=chunks())
    assert response.status_code == 413


@pytest.mark.parametrize(
    "request_line",
    [
        b"GET /users/%FF HTTP/1.1",
        b"GET /users/7?t=%FF%FE HTTP/1.1",
        b"GET /echo/a%2Fb/%2e%2e/c HTTP/1.1",
        b"GET /echo/../../etc/passwd HTTP/1.1",
        b"BREW / HTTP/1.1",
        b"DELETE /users/7 HTTP/1.1",
    ],
)
def test_odd_requests_get_a_defined_answer(server, request_line: bytes) -> None:
    reply = raw_request(server.port, request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
    status = int(reply.split(b" ", 2)[1])
    assert 200 <= status < 500, reply[:200]


def test_invalid_utf8_in_the_raw_path_is_rejected_cleanly(server) -> None:
    reply = raw_request(
        server.port, b"GET /users/\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert reply.startswith(b"HTTP/1.1 400")


def test_huge_headers_are_refused(server) -> None:
    huge = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n"
    reply = raw_request(server.port, huge)
    assert reply.startswith(b"HTTP/1.1 431")


def test_client_disconnecting_mid_body_leaves_the_server_healthy(server) -> None:
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(
                b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n" + b"x" * 1000
            )
    assert httpx.get(f"{server.url}/").text == "hello"
    assert "Traceback" not in server.log.read_text()


def test_config_file_and_two_workers(serve, markers: Path) -> None:
    config = 'workers = 2\nlog_level = "warning"\n\n[env]\nENV = "staging"\n'
    server = serve(
        APP, "--config", "dev", files={"dev.toml": config}, env={"MARKER_DIR": str(markers)}
    )
    deadline = time.monotonic() + 20
    while len(list(markers.glob("started-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(list(markers.glob("started-*"))) == 2
    with httpx.Client(base_url=server.url) as client:
        answer = client.get("/pid").json()
    assert answer["env"] == "staging"


def test_reload_picks_up_an_edited_app(serve) -> None:
    source = (
        "from gobstopper import Gobstopper\n"
        "app = Gobstopper(__name__)\n"
        "@app.get('/')\n"
        "async def index():\n"
        "    return '{}'\n"
    )
    server = serve(source.format("first"), "--reload")
    assert httpx.get(f"{server.url}/").text == "first"
    app_file = server.log.parent / "app.py"
    app_file.write_text(source.format("second"))
    deadline = time.monotonic() + 30
    answer = None
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{server.url}/", timeout=2).text
        except httpx.HTTPError:
            answer = None
        if answer == "second":
            break
        time.sleep(0.3)
    assert answer == "second"


def test_the_worker_logs_which_implementation_serves(serve, markers: Path) -> None:
    from gobstopper.accelerators import implementation

    server = serve(APP, "--log-level", "info", env={"MARKER_DIR": str(markers)})
    assert httpx.get(server.url + "/").status_code == 200
    assert f"[INFO] gobstopper: implementation: {implementation()}" in server.log.read_text()
