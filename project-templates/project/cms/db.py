"""The database: an async engine per event loop, opened at startup and disposed at
shutdown, so connections never outlive the loop that made them (a project command, the
server and each test client run their own loop)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

__all__ = ["Database"]


def _sqlite_pragmas(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Database:
    """Engines and session factories for ``url`` (a SQLAlchemy async URL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._open: dict[asyncio.AbstractEventLoop, async_sessionmaker[AsyncSession]] = {}

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def _sessions(self) -> async_sessionmaker[AsyncSession]:
        """The running loop's session factory, its engine (and the SQLite file's folder)
        created on first use."""
        loop = asyncio.get_running_loop()
        sessions = self._open.get(loop)
        if sessions is None:
            if self.is_sqlite and ":memory:" not in self.url:
                Path(self.url.partition(":///")[2]).parent.mkdir(parents=True, exist_ok=True)
            engine = create_async_engine(self.url, pool_pre_ping=not self.is_sqlite)
            if self.is_sqlite:
                event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            sessions = self._open[loop] = async_sessionmaker(engine, expire_on_commit=False)
        return sessions

    def open(self) -> AsyncEngine:
        """The running loop's engine, created (with the SQLite file's folder) if needed."""
        engine = self._sessions().kw["bind"]
        assert isinstance(engine, AsyncEngine)
        return engine

    async def close(self) -> None:
        """Dispose of the running loop's engine and its connections."""
        sessions = self._open.pop(asyncio.get_running_loop(), None)
        if sessions is not None:
            await sessions.kw["bind"].dispose()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session committed when the block ends without error, rolled back otherwise."""
        async with self._sessions()() as session, session.begin():
            yield session
