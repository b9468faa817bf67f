"""The Rust core's dispatcher under a real Granian server: handlers that await and
handlers that raise are served right through it (``gobstopper.dispatch``)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gobstopper.accelerators import native

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(native() is None, reason="the Rust core is not active"),
]

APP = """
import asyncio

from gobstopper import Gobstopper, PlainTextResponse

app = Gobstopper(__name__)


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
