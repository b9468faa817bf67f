"""The TechEmpower Framework Benchmarks test types, written by TechEmpower's rules.

==================  ==========================================================
``/json``           ``{"message": "Hello, World!"}``, a new object per request
``/plaintext``      ``Hello, World!``
``/db``             one random ``World`` row
``/queries``        ``?queries=N`` random rows, one query each (N clamped to 1..500,
                    anything that is not an integer counts as 1)
``/updates``        N random rows read one by one, given new random numbers and
                    written back in one batch, in id order (no deadlocks between
                    concurrent requests)
``/fortunes``       every ``Fortune`` row plus one added at request time, sorted by
                    message, rendered (escaped) by ``templates/fortunes.html``
``/cached-queries`` ``?count=N`` rows from an in-memory cache of ``World``
==================  ==========================================================

Every response carries ``Server``, ``Date`` (Granian's), ``Content-Type`` and
``Content-Length``. Each Granian worker opens its own asyncpg pool of ``TFB_POOL_SIZE``
connections (default 4 per worker, so 4 workers use 16 connections), and asyncpg prepares
each statement once per connection and reuses it. Create and seed the tables first::

    python benchmarks/tfb/setup_db.py
    granian --interface rsgi --workers 4 benchmark_simple:app

``DATABASE_URL`` names the database (default ``postgresql://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import os
from operator import itemgetter
from random import randint, sample
from typing import Any

import asyncpg
import msgspec

from gobstopper import Gobstopper, Request, Response

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

app = Gobstopper(__name__, static_folder=None)

_encode = msgspec.json.Encoder().encode
_by_message = itemgetter("message")
_json_headers = [("server", "Gobstopper"), ("content-type", "application/json")]
_text_headers = [("server", "Gobstopper"), ("content-type", "text/plain; charset=utf-8")]
_html_headers = [("server", "Gobstopper"), ("content-type", "text/html; charset=utf-8")]


class _Database:
    """This worker's connection pool and its cache of ``World``, made at startup."""

    pool: asyncpg.Pool
    cache: dict[int, dict[str, int]]


db = _Database()


class _ConnectionWithoutReset(asyncpg.Connection):  # type: ignore[misc]
    """Skip the reset queries asyncpg runs when a connection goes back to the pool: the
    handlers leave no session state behind, so it would be one round trip per request."""

    def get_reset_query(self) -> str:
        return ""


@app.on_startup
async def open_database() -> None:
    """Open this worker's pool and load ``World`` into the cache of ``/cached-queries``."""
    db.pool = await asyncpg.create_pool(
        DSN,
        min_size=POOL_SIZE,
        max_size=POOL_SIZE,
        connection_class=_ConnectionWithoutReset,
        ssl=SSL,
    )
    rows = await db.pool.fetch("SELECT id, randomnumber FROM world")
    db.cache = {row[0]: {"id": row[0], "randomNumber": row[1]} for row in rows}


@app.on_shutdown
async def close_database() -> None:
    """Close the pool."""
    await db.pool.close()


def _json(data: Any) -> Response:
    return Response(_encode(data), headers=_json_headers)


def query_count(value: str | None) -> int:
    """TechEmpower's rule for ``queries``/``count``: an integer clamped to 1..500, and 1
    for anything else (missing, empty, ``foo``)."""
    try:
        count = int(value or 1)
    except ValueError:
        return 1
    return min(max(count, 1), 500)


@app.get("/json")
async def json() -> Response:
    """JSON serialisation."""
    return _json({"message": "Hello, World!"})


@app.get("/plaintext")
async def plaintext() -> Response:
    """Plain text."""
    return Response(b"Hello, World!", headers=_text_headers)


@app.get("/db")
async def single_query() -> Response:
    """One random row."""
    world_id = randint(1, 10000)
    number = await db.pool.fetchval(READ_WORLD, world_id)
    return _json({"id": world_id, "randomNumber": number})


@app.get("/queries")
async def multiple_queries(request: Request) -> Response:
    """``queries`` random rows, each read by a query of its own."""
    ids = [randint(1, 10000) for _ in range(query_count(request.args.get("queries")))]
    async with db.pool.acquire() as connection:
        worlds = [{"id": i, "randomNumber": await connection.fetchval(READ_WORLD, i)} for i in ids]
    return _json(worlds)


@app.get("/updates")
async def updates(request: Request) -> Response:
    """``queries`` random rows, each read, given a new random number, and written back."""
    ids = sorted(sample(range(1, 10001), query_count(request.args.get("queries"))))
    async with db.pool.acquire() as connection:
        for world_id in ids:
            await connection.fetchval(READ_WORLD, world_id)
        changes = [(world_id, randint(1, 10000)) for world_id in ids]
        await connection.executemany(WRITE_WORLD, changes)
    return _json([{"id": world_id, "randomNumber": number} for world_id, number in changes])


@app.get("/fortunes")
async def fortunes() -> Response:
    """Every fortune and one more, sorted by message, in an escaped HTML table."""
    rows = await db.pool.fetch(READ_FORTUNES)
    listed = [{"id": row[0], "message": row[1]} for row in rows]
    listed.append(ADDED_FORTUNE)
    listed.sort(key=_by_message)
    page = await app.render_template("fortunes.html", fortunes=listed)
    return Response(page, headers=_html_headers)


@app.get("/cached-queries")
async def cached_queries(request: Request) -> Response:
    """``count`` random rows from this worker's cache."""
    cache = db.cache
    count = query_count(request.args.get("count"))
    return _json([cache[randint(1, 10000)] for _ in range(count)])
