"""Emmett's TechEmpower app, written the way ``examples/benchmark_simple.py`` is.

The same test types, the same SQL, the same asyncpg pool per worker (``TFB_POOL_SIZE``,
no reset query on release) and the same clamping of ``queries``/``count``; JSON through
Emmett's ``service.json`` pipe and the fortunes through its own template engine. It runs
in a virtual environment of its own with ``emmett`` installed (see ``run.py``), never in
Gobstopper's.
"""

from __future__ import annotations

import os
from operator import itemgetter
from random import randint, sample
from typing import Any

import asyncpg
from emmett import App, request, response
from emmett.extensions import Extension, Signals, listen_signal
from emmett.tools import service

DSN = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
POOL_SIZE = int(os.environ.get("TFB_POOL_SIZE") or 4)
# TechEmpower's database is reached over plain TCP; asyncpg would otherwise try TLS first,
# which rloop (the event loop ``gobstopper run`` picks) cannot start. Put sslmode in the
# DSN to choose otherwise.
SSL = None if "sslmode=" in DSN else False

READ_WORLD = "SELECT randomnumber FROM world WHERE id = $1"
WRITE_WORLD = "UPDATE world SET randomnumber = $2 WHERE id = $1"
READ_FORTUNES = "SELECT id, message FROM fortune"
ADDED_FORTUNE = {"id": 0, "message": "Additional fortune added at request time."}

_by_message = itemgetter("message")


class _ConnectionWithoutReset(asyncpg.Connection):  # type: ignore[misc]
    def get_reset_query(self) -> str:
        return ""


class Database(Extension):  # type: ignore[misc]
    """This worker's pool and ``World`` cache, made once its event loop exists."""

    def on_load(self) -> None:
        self.pool: Any = None
        self.cache: dict[int, dict[str, int]] = {}

    @listen_signal(Signals.after_loop)
    def open(self, loop: Any) -> None:
        loop.run_until_complete(self._open())

    async def _open(self) -> None:
        self.pool = await asyncpg.create_pool(
            DSN,
            min_size=POOL_SIZE,
            max_size=POOL_SIZE,
            connection_class=_ConnectionWithoutReset,
            ssl=SSL,
        )
        rows = await self.pool.fetch("SELECT id, randomnumber FROM world")
        self.cache = {row[0]: {"id": row[0], "randomNumber": row[1]} for row in rows}


app = App(__name__)
app.config.handle_static = False
db = app.use_extension(Database)


def query_count(value: str | None) -> int:
    try:
        count = int(value or 1)
    except ValueError:
        return 1
    return min(max(count, 1), 500)


@app.route("/json")
@service.json
async def json() -> dict[str, str]:
    response.headers["server"] = "Emmett"
    return {"message": "Hello, World!"}


@app.route("/plaintext", output="bytes")
async def plaintext() -> bytes:
    response.headers["server"] = "Emmett"
    response.content_type = "text/plain; charset=utf-8"
    return b"Hello, World!"


@app.route("/db")
@service.json
async def single_query() -> dict[str, int]:
    response.headers["server"] = "Emmett"
    world_id = randint(1, 10000)
    return {"id": world_id, "randomNumber": await db.pool.fetchval(READ_WORLD, world_id)}


@app.route("/queries")
@service.json
async def multiple_queries() -> list[dict[str, int]]:
    response.headers["server"] = "Emmett"
    ids = [randint(1, 10000) for _ in range(query_count(request.query_params.queries))]
    async with db.pool.acquire() as connection:
        return [{"id": i, "randomNumber": await connection.fetchval(READ_WORLD, i)} for i in ids]


@app.route("/updates")
@service.json
async def updates() -> list[dict[str, int]]:
    response.headers["server"] = "Emmett"
    ids = sorted(sample(range(1, 10001), query_count(request.query_params.queries)))
    async with db.pool.acquire() as connection:
        for world_id in ids:
            await connection.fetchval(READ_WORLD, world_id)
        changes = [(world_id, randint(1, 10000)) for world_id in ids]
        await connection.executemany(WRITE_WORLD, changes)
    return [{"id": world_id, "randomNumber": number} for world_id, number in changes]


@app.route("/fortunes")
async def fortunes() -> dict[str, Any]:
    response.headers["server"] = "Emmett"
    rows = await db.pool.fetch(READ_FORTUNES)
    listed = [{"id": row[0], "message": row[1]} for row in rows]
    listed.append(ADDED_FORTUNE)
    listed.sort(key=_by_message)
    return {"fortunes": listed}


@app.route("/cached-queries")
@service.json
async def cached_queries() -> list[dict[str, int]]:
    response.headers["server"] = "Emmett"
    cache = db.cache
    count = query_count(request.query_params.count)
    return [cache[randint(1, 10000)] for _ in range(count)]
