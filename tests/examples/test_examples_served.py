"""The examples as users start them: ``gobstopper run example_app:app`` and
``gobstopper run blueprints_demo.app:app`` from a copy of ``examples/``, with real
HTTP and WebSocket clients; stopping them leaves no runtime data behind."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets

from ..conftest import Server, start_server
from .conftest import EXAMPLES


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def example_app(workdir: Path, data_dir: Path) -> Iterator[Server]:
    server = start_server(workdir, "example_app:app", env={"EXAMPLE_DATA_DIR": str(data_dir)})
    yield server
    server.stop()


@pytest.fixture
def blueprints_demo(workdir: Path) -> Iterator[Server]:
    server = start_server(workdir, "blueprints_demo.app:app")
    yield server
    server.stop()


async def _chat(url: str) -> list[dict[str, object]]:
    async with (
        websockets.connect(url) as first,
        websockets.connect(url) as second,
    ):
        await first.recv()
        await first.recv()
        await second.recv()
        await first.send(json.dumps({"name": "ann", "text": "over the wire"}))
        return [json.loads(await first.recv()), json.loads(await second.recv())]


def test_example_app_serves_its_pages_tasks_and_chat(
    example_app: Server, workdir: Path, data_dir: Path
) -> None:
    with httpx.Client(base_url=example_app.url, timeout=10) as client:
        for path in ("/", "/routing", "/tasks", "/chat", "/security", "/middleware", "/session"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert page.headers["x-frame-options"] == "DENY"
        assert client.post("/api/todos", json={"title": "served"}).status_code == 201
        job = client.post("/api/jobs", json={"steps": 2})
        assert job.status_code == 202
        for _ in range(100):
            status = client.get(job.headers["location"]).json()
            if status["status"] == "success":
                break
            time.sleep(0.1)
        assert status["result"] == {"steps": 2, "sum": 5}
    assert (data_dir / "tasks.duckdb").exists()
    said = asyncio.run(_chat(example_app.url.replace("http", "ws") + "/ws/chat/served"))
    assert said == [{"room": "served", "name": "ann", "text": "over the wire"}] * 2
    example_app.stop()
    assert example_app.process.returncode == 0
    leftovers = {path.name for path in workdir.iterdir()} - {p.name for p in EXAMPLES.iterdir()}
    assert {name for name in leftovers if not name.startswith("server-")} == set()


async def _live_note(base: str, client: httpx.AsyncClient) -> tuple[object, object]:
    async with websockets.connect(base.replace("http", "ws") + "/live/ws") as feed:
        hello = json.loads(await feed.recv())
        created = await client.post("/notes/api/notes", json={"author": "ann", "text": "hi"})
        return hello, (json.loads(await feed.recv()), created.json())


def test_blueprints_demo_serves_nested_blueprints_and_the_live_feed(
    blueprints_demo: Server,
) -> None:
    with httpx.Client(base_url=blueprints_demo.url, timeout=10) as client:
        assert "Blueprints demo" in client.get("/").text
        assert client.get("/notes/static/notes.css").status_code == 200
        assert client.get("/notes/").headers["x-blueprint"] == "notes.board"
        assert "x-response-time" in client.get("/reports/").headers

    async def scenario() -> tuple[object, object]:
        async with httpx.AsyncClient(base_url=blueprints_demo.url, timeout=10) as client:
            return await _live_note(blueprints_demo.url, client)

    hello, (pushed, created) = asyncio.run(scenario())
    assert hello == {"connected": 1}
    assert pushed == {"note": created}
