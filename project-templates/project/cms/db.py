"""The database: one async engine per running application, opened at startup and
disposed at shutdown, so connections never outlive the event loop that made them."""

from __future__ import annotations

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
    cursor.close()


class Database:
    """An engine and its session factory for ``url`` (a SQLAlchemy async URL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def engine(self) -> AsyncEngine:
        """The open engine (:meth:`open` first)."""
        if self._engine is None:
            raise RuntimeError("the database is not open: the application has not started")
        return self._engine

    def open(self) -> AsyncEngine:
        """Create the engine (and the SQLite file's folder)."""
        if self._engine is None:
            if self.is_sqlite and ":memory:" not in self.url:
                Path(self.url.partition(":///")[2]).parent.mkdir(parents=True, exist_ok=True)
            self._engine = create_async_engine(self.url, pool_pre_ping=not self.is_sqlite)
            if self.is_sqlite:
                event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)
            self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)
        return self._engine

    async def close(self) -> None:
        """Dispose of the engine's connections."""
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
            self._sessions = None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session committed when the block ends without error, rolled back otherwise."""
        if self._sessions is None:
            self.open()
        assert self._sessions is not None
        async with self._sessions() as session, session.begin():
            yield session
