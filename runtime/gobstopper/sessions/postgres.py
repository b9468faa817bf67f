"""Sessions in PostgreSQL (asyncpg): shared by every worker and machine, durable."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import zlib
from typing import Any

from ..backends.errors import BackendUnavailable
from ..backends.postgres import PostgresPool
from .base import SessionStore, decode_session, encode_session

__all__ = ["PostgresSessionStore"]

logger = logging.getLogger("gobstopper")

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class PostgresSessionStore(SessionStore):
    """One row per session in ``table`` (created on first use), with an expiry time.

    Expired rows are never returned and are deleted at most once per
    ``cleanup_interval`` seconds by the process that notices.

    :param dsn: ``postgresql://user@host:port/database``.
    """

    def __init__(
        self,
        dsn: str,
        *,
        table: str = "gobstopper_sessions",
        min_connections: int = 1,
        max_connections: int = 10,
        timeout: float = 5.0,
        cleanup_interval: float = 300.0,
    ) -> None:
        if not _IDENTIFIER.match(table):
            raise ValueError(f"table name {table!r} is not a plain SQL identifier")
        self.table = table
        self._pool = PostgresPool(
            dsn,
            service="the PostgreSQL session store",
            setup=self._create_table,
            min_size=min_connections,
            max_size=max_connections,
            timeout=timeout,
        )
        self._cleanup_interval = cleanup_interval
        self._next_cleanup = time.monotonic() + cleanup_interval
        self._cleanups: set[asyncio.Task[int]] = set()
        self._select = f"SELECT data FROM {table} WHERE id = $1 AND expires_at > now()"
        self._upsert = (
            f"INSERT INTO {table} (id, data, expires_at) "
            "VALUES ($1, $2, now() + make_interval(secs => $3)) "
            "ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at"
        )
        self._delete = f"DELETE FROM {table} WHERE id = $1"
        self._touch = (
            f"UPDATE {table} SET expires_at = now() + make_interval(secs => $2) WHERE id = $1"
        )
        self._sweep = f"DELETE FROM {table} WHERE expires_at <= now()"

    async def _create_table(self, connection: Any) -> None:
        # Workers starting together must not race on CREATE TABLE: take a lock first.
        async with connection.transaction():
            await connection.execute(
                "SELECT pg_advisory_xact_lock($1)", zlib.crc32(self.table.encode())
            )
            await connection.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} ("
                "id text PRIMARY KEY, data text NOT NULL, expires_at timestamptz NOT NULL)"
            )
            await connection.execute(
                f"CREATE INDEX IF NOT EXISTS {self.table}_expires_at ON {self.table} (expires_at)"
            )

    async def load(self, session_id: str) -> dict[str, Any] | None:
        raw = await self._pool.run(lambda c: c.fetchval(self._select, session_id))
        return None if raw is None else decode_session(raw)

    async def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        body = encode_session(data).decode()
        await self._pool.run(lambda c: c.execute(self._upsert, session_id, body, float(ttl)))
        if time.monotonic() >= self._next_cleanup:
            self._next_cleanup = time.monotonic() + self._cleanup_interval
            task = asyncio.ensure_future(self.cleanup())
            self._cleanups.add(task)
            task.add_done_callback(self._cleanups.discard)

    async def delete(self, session_id: str) -> None:
        await self._pool.run(lambda c: c.execute(self._delete, session_id))

    async def touch(self, session_id: str, ttl: int) -> None:
        await self._pool.run(lambda c: c.execute(self._touch, session_id, float(ttl)))

    async def cleanup(self) -> int:
        """Delete expired rows now; returns how many."""
        try:
            status = await self._pool.run(lambda c: c.execute(self._sweep))
        except BackendUnavailable:
            return 0
        return int(status.rsplit(" ", 1)[-1])

    async def aclose(self) -> None:
        await self._pool.aclose()
