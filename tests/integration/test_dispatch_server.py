"""The Rust core's dispatcher under a real Granian server: handlers that await, handlers
that raise and JSON bodies the dispatcher reads itself are served right through it
(``gobstopper.dispatch``)."""

from __future__ import annotations

import asyncio

import httpx
import msgspec
import pytest

from gobstopper.accelerators import native

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(native() is None, reason="the Rust core is not active"),
]

APP = """
import asyncio

import msgspec

from gobstopper import Gobstopper, PlainTextResponse

app = Gobstopper(__name__)


class Note(msgspec.Struct):
    title: str
    text: str


@app.get("/entry")
async def entry():
    return {"entry": type(app.__rsgi__).__name__, "installed": app.__rsgi__.installed}


@app.get("/plain")
async def plain():
    return PlainTextResponse("Hello, World!")


@app.get("/sleep/<int:n>")
async def sleep(n: int):
    await asyncio.sleep(0.01)
    return {"slept": n}


@app.get("/crash")
async def crash():
    raise RuntimeError("boom from the handler")


@app.post("/notes")
async def create(note: Note):
    return {"title": note.title, "length": len(note.text)}, 201


@app.post("/notes/<owner>")
async def create_for(request, owner: str, note: Note):
    return {"owner": owner, "title": note.title, "read": len(await request.body())}
"""


def test_awaiting_and_raising_handlers_through_the_dispatcher(serve) -> None:
    server = serve(APP, "--log-level", "info")
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/plain").text == "Hello, World!"
        assert client.get("/entry").json() == {"entry": "Dispatcher", "installed": True}
        assert client.get("/sleep/1").json() == {"slept": 1}
        crashed = client.get("/crash")
        assert crashed.status_code == 500
        assert "boom from the handler" not in crashed.text
    assert "boom from the handler" in server.log.read_text()


def test_concurrent_awaiting_handlers_through_the_dispatcher(serve) -> None:
    server = serve(APP)

    async def many() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            return await asyncio.gather(*(client.get(f"/sleep/{n}") for n in range(50)))

    answers = asyncio.run(many())
    assert [answer.json() for answer in answers] == [{"slept": n} for n in range(50)]


def test_json_bodies_read_by_the_dispatcher(serve) -> None:
    server = serve(APP)
    long_text = "x" * 300_000  # arrives in many reads
    with httpx.Client(base_url=server.url, timeout=10) as client:
        created = client.post("/notes", json={"title": "first", "text": long_text})
        assert created.status_code == 201
        assert created.json() == {"title": "first", "length": 300_000}
        sent = msgspec.json.encode({"title": "mine", "text": "hello"})
        owned = client.post(
            "/notes/ann", content=sent, headers={"content-type": "application/json"}
        )
        assert owned.json() == {"owner": "ann", "title": "mine", "read": len(sent)}
        shape = client.post("/notes", json={"title": 1, "text": "t"})
        assert shape.status_code == 422
        assert shape.json()["detail"]["field"] == "title"
        broken = client.post(
            "/notes", content=b'{"title": ', headers={"content-type": "application/json"}
        )
        assert broken.status_code == 400
        deep = client.post(
            "/notes", content=b"[" * 100 + b"]" * 100, headers={"content-type": "application/json"}
        )
        assert deep.status_code == 400
        assert "nests deeper" in deep.json()["message"]
        wrong_type = client.post("/notes", content=sent, headers={"content-type": "text/plain"})
        assert wrong_type.status_code == 415
        assert client.get("/entry").json() == {"entry": "Dispatcher", "installed": True}
