"""Every session store against the same contract, the networked ones on real Redis and
PostgreSQL; and what a request gets when the service goes away and comes back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from gobstopper import Gobstopper, Request
from gobstopper.sessions import (
    FileSessionStore,
    MemorySessionStore,
    PostgresSessionStore,
    RedisSessionStore,
    SessionMiddleware,
    SessionStore,
)
from gobstopper.testing import AsyncTestClient

from ..backends import PostgresServer, RedisServer, recovered


def unique_table() -> str:
    return f"sessions_{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["memory", "file", "redis", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SessionStore]:
    makers: dict[str, Callable[[], SessionStore]] = {
        "memory": MemorySessionStore,
        "file": lambda: FileSessionStore(tmp_path / "sessions"),
        "redis": lambda: RedisSessionStore(
            request.getfixturevalue("redis_url"), prefix=f"test:{uuid.uuid4().hex}:"
        ),
        "postgres": lambda: PostgresSessionStore(
            request.getfixturevalue("postgres_dsn"), table=unique_table()
        ),
    }
    store = makers[request.param]()
    yield store
    await store.aclose()


async def test_save_load_touch_delete(store: SessionStore) -> None:
    assert await store.load("missing") is None
    data: dict[str, Any] = {"user": "ann", "roles": ["admin"], "n": 3, "nested": {"a": None}}
    await store.save("s1", data, ttl=60)
    assert await store.load("s1") == data
    await store.save("s1", {"user": "ann", "n": 4}, ttl=60)
    assert await store.load("s1") == {"user": "ann", "n": 4}
    await store.touch("s1", ttl=60)
    assert await store.load("s1") == {"user": "ann", "n": 4}
    await store.delete("s1")
    await store.delete("s1")  # deleting twice is fine
    assert await store.load("s1") is None


async def test_every_store_enforces_expiry(store: SessionStore) -> None:
    await store.save("short", {"x": 1}, ttl=1)
    await store.save("long", {"x": 2}, ttl=60)
    await asyncio.sleep(1.2)
    assert await store.load("short") is None
    assert await store.load("long") == {"x": 2}


async def test_touch_extends_a_session(store: SessionStore) -> None:
    await store.save("rolling", {"x": 1}, ttl=1)
    await store.touch("rolling", ttl=60)
    await asyncio.sleep(1.2)
    assert await store.load("rolling") == {"x": 1}


async def test_file_store_cleanup_removes_expired_files(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path)
    await store.save("old", {"x": 1}, ttl=1)
    await store.save("fresh", {"x": 2}, ttl=60)
    await asyncio.sleep(1.1)
    assert store.cleanup() == 1
    names = sorted(path.name for path in store.directory.iterdir())
    assert len(names) == 1
    assert names[0].endswith(".session")
    assert "fresh" not in names[0]  # named by a hash: a listing reveals no session id


async def test_postgres_store_creates_its_table_and_deletes_expired_rows(
    postgres_dsn: str,
) -> None:
    import asyncpg

    table = unique_table()
    store = PostgresSessionStore(postgres_dsn, table=table)
    await store.save("a", {"x": 1}, ttl=1)
    await store.save("b", {"x": 2}, ttl=60)
    await asyncio.sleep(1.1)
    assert await store.cleanup() == 1
    connection = await asyncpg.connect(postgres_dsn)
    try:
        rows = await connection.fetch(f"SELECT id FROM {table}")
        await connection.execute(f"DROP TABLE {table}")
    finally:
        await connection.close()
    assert [row["id"] for row in rows] == ["b"]
    await store.aclose()


def test_a_table_name_must_be_an_identifier() -> None:
    with pytest.raises(ValueError, match="identifier"):
        PostgresSessionStore("postgresql://localhost/x", table="users; DROP TABLE users")


def session_app(store: SessionStore) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None, secret_key="outage-secret")
    app.add_middleware(SessionMiddleware(store))

    @app.get("/count")
    async def count(request: Request):
        request.session["n"] = request.session.get("n", 0) + 1
        return {"n": request.session["n"]}

    return app


async def check_outage_and_recovery(server: Any, store: SessionStore, count_after: int) -> None:
    """``count_after``: the count seen once the service is back (a PostgreSQL session
    survives the restart; our Redis keeps nothing on disk)."""
    async with AsyncTestClient(session_app(store)) as client:
        assert (await client.get("/count")).json() == {"n": 1}
        server.stop()
        down = await asyncio.wait_for(
            client.get("/count", headers={"accept": "application/json"}), 15
        )
        assert down.status_code == 503
        assert down.headers["retry-after"] == "5"
        assert "unavailable right now" in down.text
        server.start()
        back = await recovered(lambda: client.get("/count"))
        assert back.json() == {"n": count_after}
    await store.aclose()


async def test_redis_going_away_gives_503_then_recovers(own_redis: RedisServer) -> None:
    await check_outage_and_recovery(own_redis, RedisSessionStore(own_redis.url), 1)


async def test_postgres_going_away_gives_503_then_recovers(
    own_postgres: PostgresServer,
) -> None:
    store = PostgresSessionStore(own_postgres.dsn, timeout=3)
    await check_outage_and_recovery(own_postgres, store, 2)
