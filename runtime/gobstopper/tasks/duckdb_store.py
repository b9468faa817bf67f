"""Tasks persisted in a DuckDB file (a task database named ``*.duckdb``), for one process.

Every call runs on one dedicated thread that owns the connection, so the event loop never
blocks on the database and the connection is never used by two threads at once. DuckDB
lets one process write a file; a second process opening the same file is refused with
:class:`TaskStoreLocked`, which says so.
"""

from __future__ import annotations

import functools
import os
from datetime import datetime, timezone
from typing import Any

try:
    import duckdb
except ImportError as error:  # pragma: no cover - the extra is not installed
    raise ImportError(
        "a .duckdb task file needs DuckDB: pip install 'gobstopper[tasks]' "
        "(or keep tasks in SQLite: a task database whose name does not end in .duckdb)"
    ) from error

import msgspec

from .batching import Batcher
from .dbthread import DatabaseThread
from .models import TaskInfo
from .rows import COLUMNS as _COLUMNS
from .rows import RUNNABLE as _RUNNABLE
from .sql_store import SQLTaskStore
from .wakeups import Wakeups

__all__ = ["DuckDBTaskStore", "TaskStoreLocked"]

_encode = msgspec.json.Encoder().encode


class TaskStoreLocked(RuntimeError):
    """Another process holds the DuckDB task database."""


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=timezone.utc)


def _naive(value: datetime) -> datetime:
    return value.astimezone(timezone.utc).replace(tzinfo=None)


class DuckDBTaskStore(SQLTaskStore):
    """The task table in ``path`` (created with its directory if missing)."""

    single_process = True
    _stored = staticmethod(_naive)
    _when = staticmethod(_utc)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._thread = DatabaseThread("gobstopper-duckdb")
        self._connection: Any = None
        self._wakeups = Wakeups()
        self._adds = Batcher(self._add_many)
        self._successes = Batcher(self._succeed_many)
        self._claims: dict[str, Batcher[datetime, TaskInfo | None]] = {}

    def _change(self, sql: str, parameters: list[Any]) -> int:
        return len(self._connection.execute(sql, parameters).fetchall())

    # -- lifecycle ------------------------------------------------------------------------

    async def open(self) -> int:
        """Open the database; tasks a crash left ``started`` become ``pending`` again.
        Returns how many were recovered."""
        return await self._thread.run(self._open)

    def _open(self) -> int:
        if self._connection is not None:
            return 0
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        try:
            self._connection = duckdb.connect(self.path)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            raise TaskStoreLocked(
                f"the task database {self.path} is in use by another process: DuckDB allows "
                "one process per file. For several processes use the Redis Streams broker "
                "(GOBSTOPPER_TASK_BROKER=redis://host:6379/0)."
            ) from error
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS gobstopper_tasks ("
            "id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, category VARCHAR NOT NULL, "
            "priority INTEGER NOT NULL, status VARCHAR NOT NULL, kwargs VARCHAR NOT NULL, "
            "result VARCHAR, error VARCHAR, traceback VARCHAR, attempts INTEGER NOT NULL, "
            "max_retries INTEGER NOT NULL, timeout DOUBLE, created_at TIMESTAMP NOT NULL, "
            "run_at TIMESTAMP NOT NULL, started_at TIMESTAMP, finished_at TIMESTAMP)"
        )
        recovered = self._connection.execute(
            "UPDATE gobstopper_tasks SET status = 'pending' WHERE status = 'started' RETURNING id"
        ).fetchall()
        return len(recovered)

    async def close(self) -> None:
        """Close the database (waits for calls in flight); :meth:`open` may reopen it."""
        await self._close_connection()

    # -- writing --------------------------------------------------------------------------

    async def add(self, info: TaskInfo) -> None:
        """Store a new task (and wake a worker of its category)."""
        await self._adds(info)
        self._wakeups.notify(info.category)

    async def _add_many(self, infos: list[TaskInfo]) -> list[None]:
        await self._thread.run(self._insert, infos)
        return [None] * len(infos)

    def _insert(self, infos: list[TaskInfo]) -> None:
        values = ", ".join(
            "(?, ?, ?, ?, ?, ?, NULL, NULL, NULL, 0, ?, ?, ?, ?, NULL, NULL)" for _ in infos
        )
        parameters: list[Any] = []
        for info in infos:
            parameters += [
                info.id,
                info.name,
                info.category,
                int(info.priority),
                info.status.value,
                _encode(info.kwargs).decode(),
                info.max_retries,
                info.timeout,
                _naive(info.created_at),
                _naive(info.run_at),
            ]
        self._connection.execute(
            f"INSERT INTO gobstopper_tasks ({_COLUMNS}) VALUES {values}", parameters
        )

    async def claim(self, category: str, now: datetime) -> TaskInfo | None:
        """Mark the next runnable task of ``category`` started and return it: highest
        priority first, then oldest. Workers asking together are served by one query."""
        claims = self._claims.get(category)
        if claims is None:
            claims = self._claims[category] = Batcher(
                functools.partial(self._claim_many, category), unclaimed=self._give_back
            )
        return await claims(now)

    async def _claim_many(self, category: str, nows: list[datetime]) -> list[TaskInfo | None]:
        claimed = await self._thread.run(self._claim, category, _naive(max(nows)), len(nows))
        return [*claimed, *[None] * (len(nows) - len(claimed))]

    def _claim(self, category: str, now: datetime, count: int) -> list[TaskInfo]:
        rows = self._connection.execute(
            "UPDATE gobstopper_tasks SET status = 'started', attempts = attempts + 1, "
            "started_at = ? WHERE id IN (SELECT id FROM gobstopper_tasks "
            f"WHERE category = ? AND status IN {_RUNNABLE} AND run_at <= ? "
            "ORDER BY priority DESC, created_at, id LIMIT ?) "
            f"RETURNING {_COLUMNS}",
            [now, category, now, count],
        ).fetchall()
        claimed = [self._info(row) for row in rows]
        claimed.sort(key=lambda info: (-info.priority, info.created_at, info.id))
        return claimed

    async def wait(self, category: str, timeout: float) -> None:
        """Return once a task was added to ``category`` since the last wait, or after
        ``timeout`` seconds (only this process writes the file, so it sees every add)."""
        await self._wakeups.wait(category, timeout)

    async def succeed(self, task_id: str, result: bytes, now: datetime) -> None:
        """Record success and the JSON-encoded result."""
        await self._successes((task_id, result.decode(), _naive(now)))

    async def _succeed_many(self, outcomes: list[tuple[str, str, datetime]]) -> list[None]:
        values = ", ".join("(?, ?, ?)" for _ in outcomes)
        await self._execute(
            "UPDATE gobstopper_tasks SET status = 'success', result = done.result, "
            "error = NULL, traceback = NULL, finished_at = done.finished_at "
            f"FROM (VALUES {values}) done(id, result, finished_at) "
            "WHERE gobstopper_tasks.id = done.id",
            [value for outcome in outcomes for value in outcome],
        )
        return [None] * len(outcomes)

    async def fail(
        self, task_id: str, error: str, traceback: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record a failure: ``retrying`` until ``retry_at``, or ``failed`` for good."""
        if retry_at is None:
            await self._execute(
                "UPDATE gobstopper_tasks SET status = 'failed', error = ?, traceback = ?, "
                "finished_at = ? WHERE id = ?",
                [error, traceback, _naive(now), task_id],
            )
        else:
            await self._execute(
                "UPDATE gobstopper_tasks SET status = 'retrying', error = ?, traceback = ?, "
                "run_at = ? WHERE id = ?",
                [error, traceback, _naive(retry_at), task_id],
            )

    async def requeue(self, task_id: str) -> None:
        """Put a started task back (shutting down): it runs again, not counted as a try."""
        await self._execute(
            "UPDATE gobstopper_tasks SET status = 'pending', attempts = attempts - 1 "
            "WHERE id = ? AND status = 'started'",
            [task_id],
        )

    async def _execute(self, sql: str, parameters: list[Any]) -> None:
        await self._thread.run(self._execute_now, sql, parameters)

    def _execute_now(self, sql: str, parameters: list[Any]) -> None:
        self._connection.execute(sql, parameters)
