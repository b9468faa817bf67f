"""Emmett's side of ``run.py``: the anchor endpoints, written as an Emmett user would.

Runs in a throwaway virtual environment with ``emmett`` installed (``run.py`` makes it),
never in Gobstopper's. JSON goes through Emmett's ``service.json`` pipe and the fortunes
through its own template engine; the POST echo decodes the same msgspec Struct the other
apps do.
"""

from __future__ import annotations

from typing import Any

from echo_item import decode_item, encode
from emmett import App, request, response
from emmett.tools import service
from fortunes import FORTUNES

app = App(__name__)
app.config.handle_static = False


@app.route("/plaintext", output="bytes")
async def plaintext() -> bytes:
    response.content_type = "text/plain; charset=utf-8"
    return b"Hello, World!"


@app.route("/json")
@service.json
async def json() -> dict[str, str]:
    return {"message": "Hello, World!"}


@app.route("/users/<int:user_id>")
@service.json
async def user(user_id: int) -> dict[str, int]:
    return {"id": user_id}


@app.route("/items", methods=["post"], output="bytes")
async def create_item() -> bytes:
    item = decode_item(await request.body)
    response.status = 201
    response.content_type = "application/json"
    return encode(item)


@app.route("/fortunes")
async def fortunes() -> dict[str, Any]:
    return {"fortunes": FORTUNES}
