"""Tasks persisted in a SQLite file: the embedded default, for one process or several.

SQLite runs in WAL mode, and every write is one transaction for a whole batch of calls
(adds, claims and successes that arrived together), so a commit costs tens of
microseconds, not the milliseconds of an analytical engine. A success also claims the
category's next task, handed to the next worker that asks, so a busy worker costs one
commit per task, shared with every other call of its batch.

Durability, chosen with ``synchronous``:

- ``"NORMAL"`` (default): a committed task is in the WAL file in the operating system, so
  it survives the process being killed (``kill -9``, an out-of-memory kill, a crash). An
  operating-system crash or a power cut may lose the last commits, never corrupt the file.
- ``"FULL"``: every commit is also flushed to the disk (``fsync``), so it survives a power
  cut too, at the cost of one flush (about a millisecond or more) per batch.

Several processes may share one file (``gobstopper run -w N``, ``gobstopper run-tasks``
elsewhere): SQLite serialises the writes, each claim takes tasks no other process took,
and a started task carries a lease its process renews while running it. A task whose
process died is claimed again once its lease lapses, so delivery is at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, NamedTuple

import msgspec

from .batching import Batcher
from .dbthread import DatabaseThread
from .models import TaskInfo
from .rows import COLUMNS, RUNNABLE
from .sql_store import SQLTaskStore
from .wakeups import Wakeups

__all__ = ["SQLiteTaskStore"]

logger = logging.getLogger("gobstopper.tasks")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS gobstopper_tasks ("
    "id TEXT PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, "
    "priority INTEGER NOT NULL, status TEXT NOT NULL, kwargs TEXT NOT NULL, result TEXT, "
    "error TEXT, traceback TEXT, attempts INTEGER NOT NULL, max_retries INTEGER NOT NULL, "
    "timeout REAL, created_at REAL NOT NULL, run_at REAL NOT NULL, started_at REAL, "
    "finished_at REAL, lease_until REAL)",
    "CREATE INDEX IF NOT EXISTS gobstopper_tasks_runnable ON gobstopper_tasks "
    f"(category, priority DESC, created_at, id) WHERE status IN {RUNNABLE}",
    "CREATE INDEX IF NOT EXISTS gobstopper_tasks_leased ON gobstopper_tasks (lease_until) "
    "WHERE status = 'started'",
    "CREATE INDEX IF NOT EXISTS gobstopper_tasks_finished ON gobstopper_tasks (finished_at)",
)
_SYNCHRONOUS = ("NORMAL", "FULL")
_INSERT = (
    f"INSERT INTO gobstopper_tasks ({COLUMNS}) "
    "VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL, 0, ?, ?, ?, ?, NULL, NULL)"
)
_REQUEUE = (
    "UPDATE gobstopper_tasks SET status = 'pending', attempts = attempts - 1, "
    "lease_until = NULL WHERE id = ? AND status = 'started'"
)
_SUCCEED = (
    "UPDATE gobstopper_tasks SET status = 'success', result = ?, error = NULL, "
    "traceback = NULL, finished_at = ?, lease_until = NULL WHERE id = ?"
)
_encoder = msgspec.json.Encoder()


def _encode(value: Any) -> str:
    return _encoder.encode(value).decode()


class _Add(NamedTuple):
    row: tuple[Any, ...]


class _Success(NamedTuple):
    row: tuple[str, float, str]
    category: str | None  # claim this category's next task in the same transaction
    now: float


class _Claim(NamedTuple):
    category: str
    now: float


_Write = _Add | _Success | _Claim


class SQLiteTaskStore(SQLTaskStore):
    """The task table in the SQLite file ``path`` (created with its directory if missing).

    :param synchronous: ``"NORMAL"`` (survives the process being killed) or ``"FULL"``
        (survives a power cut too); see the module documentation.
    :param lease: seconds a started task stays this process's without a renewal; renewed
        every third of that while it runs, so it bounds how long a dead process's tasks
        wait, not how long a task may run.
    :param busy_timeout: seconds a write waits for another process's write to finish.
    """

    single_process = False

    @staticmethod
    def _stored(value: datetime) -> float:
        return value.timestamp()

    @staticmethod
    def _when(value: float | None) -> datetime | None:
        return None if value is None else datetime.fromtimestamp(value, timezone.utc)

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: str = "NORMAL",
        lease: float = 30.0,
        busy_timeout: float = 30.0,
    ) -> None:
        if synchronous.upper() not in _SYNCHRONOUS:
            raise ValueError(f"synchronous must be NORMAL or FULL, got {synchronous!r}")
        if not lease > 0:
            raise ValueError(f"lease must be a positive number of seconds, got {lease!r}")
        self.path = os.fspath(path)
        self.synchronous = synchronous.upper()
        self.lease = lease
        self.busy_timeout = busy_timeout
        self._thread = DatabaseThread("gobstopper-sqlite")
        self._connection: sqlite3.Connection | None = None
        self._data_version = 0
        self._next_sweep = 0.0
        self._wakeups = Wakeups()
        self._writes: Batcher[_Write, TaskInfo | None] = Batcher(
            self._write_together, unclaimed=self._give_back
        )
        self._running: dict[str, str] = {}  # started here: task id -> category
        # Claimed along with a success, for the next worker of the category to ask, with
        # when (time.monotonic()) it was claimed.
        self._ready: dict[str, list[tuple[float, TaskInfo]]] = {}
        self._renewing: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def open(self) -> int:
        """Open the database; started tasks whose lease lapsed (their process died)
        become ``pending`` again. Returns how many were recovered."""
        return await self._thread.run(self._open)

    def _open(self) -> int:
        if self._connection is not None:
            return 0
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        connection = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise RuntimeError(f"{self.path}: SQLite refused WAL mode (it is in {mode!r})")
            connection.execute(f"PRAGMA synchronous = {self.synchronous}")
            for statement in _SCHEMA:
                connection.execute(statement)
        except sqlite3.OperationalError:  # locked, read-only, out of space: SQLite says
            connection.close()
            raise
        except sqlite3.DatabaseError as error:
            connection.close()
            raise RuntimeError(
                f"{self.path} is not a SQLite task database ({error}); a DuckDB task file "
                "must end in .duckdb"
            ) from error
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        self._data_version = self._read_data_version()
        with self._transaction():
            return self._sweep(time.time())

    async def close(self) -> None:
        """Stop renewing leases and close the database (waits for calls in flight);
        :meth:`open` may reopen it. Tasks still marked running here are left to their
        leases."""
        renewing, self._renewing = self._renewing, None
        if renewing is not None and renewing.get_loop() is asyncio.get_running_loop():
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        if self._connection is not None:
            await self._put_back_ready(float("inf"))
        self._running.clear()
        await self._close_connection()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock at once so that two processes
        never both read before either writes."""
        connection = self._connection
        assert connection is not None, "the task store is not open"
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _sweep(self, now: float) -> int:
        """Make started tasks whose lease lapsed pending again; returns how many."""
        self._next_sweep = now + self.lease / 4
        assert self._connection is not None
        return self._connection.execute(
            "UPDATE gobstopper_tasks SET status = 'pending', lease_until = NULL "
            "WHERE status = 'started' AND lease_until < ?",
            [now],
        ).rowcount

    # -- writing --------------------------------------------------------------------------

    async def add(self, info: TaskInfo) -> None:
        """Store a new task (and wake a worker of its category in this process)."""
        await self._writes(
            _Add(
                (
                    info.id,
                    info.name,
                    info.category,
                    int(info.priority),
                    info.status.value,
                    _encode(info.kwargs),
                    info.max_retries,
                    info.timeout,
                    info.created_at.timestamp(),
                    info.run_at.timestamp(),
                )
            )
        )
        self._wakeups.notify(info.category)

    async def claim(self, category: str, now: datetime) -> TaskInfo | None:
        """Mark the next runnable task of ``category`` started, under a lease, and return
        it: highest priority first, then oldest. Workers asking together are served by
        one statement; a worker that just finished a task gets the one claimed with its
        success."""
        ready = self._ready.get(category)
        if ready:
            return ready.pop(0)[1]
        return await self._writes(_Claim(category, now.timestamp()))

    async def succeed(self, task_id: str, result: bytes, now: datetime) -> None:
        """Record success and the JSON-encoded result; the same transaction claims the
        category's next task for the worker, which asks for one next."""
        category = self._running.pop(task_id, None)
        stamp = now.timestamp()
        await self._writes(_Success((result.decode(), stamp, task_id), category, stamp))

    async def _write_together(self, writes: list[_Write]) -> list[TaskInfo | None]:
        results = await self._thread.run(self._write, writes)
        for index, info in enumerate(results):
            if info is None:
                continue
            self._running[info.id] = info.category
            write = writes[index]
            if isinstance(write, _Success):
                self._ready.setdefault(info.category, []).append((time.monotonic(), info))
                results[index] = None
        if self._running:
            self._keep_renewing()
        return results

    def _write(self, writes: list[_Write]) -> list[TaskInfo | None]:
        """Adds, successes and claims that arrived together, in one transaction: adds
        first, so a claim may take a task added in the same batch. Returns each claim's
        task, and the task claimed along with each success (``None`` for the rest)."""
        results: list[TaskInfo | None] = [None] * len(writes)
        adds, successes = [], []
        claims: dict[str, list[int]] = {}
        latest: dict[str, float] = {}  # the newest claim time per category
        for index, write in enumerate(writes):
            if isinstance(write, _Add):
                adds.append(write.row)
                continue
            if isinstance(write, _Success):
                successes.append(write.row)
            if write.category is not None:
                claims.setdefault(write.category, []).append(index)
                latest[write.category] = max(write.now, latest.get(write.category, write.now))
        with self._transaction() as connection:
            if adds:
                connection.executemany(_INSERT, adds)
            if successes:
                connection.executemany(_SUCCEED, successes)
            for category, indexes in claims.items():
                claimed = self._claim(connection, category, latest[category], len(indexes))
                for index, info in zip(indexes, claimed, strict=False):
                    results[index] = info
        return results

    def _claim(
        self, connection: sqlite3.Connection, category: str, now: float, count: int
    ) -> list[TaskInfo]:
        if now >= self._next_sweep:
            self._sweep(now)
        rows = connection.execute(
            "UPDATE gobstopper_tasks SET status = 'started', attempts = attempts + 1, "
            "started_at = ?, lease_until = ? WHERE id IN (SELECT id FROM gobstopper_tasks "
            f"WHERE category = ? AND status IN {RUNNABLE} AND run_at <= ? "
            "ORDER BY priority DESC, created_at, id LIMIT ?) "
            f"RETURNING {COLUMNS}",
            [now, now + self.lease, category, now, count],
        ).fetchall()
        claimed = [self._info(row) for row in rows]
        claimed.sort(key=lambda info: (-info.priority, info.created_at, info.id))
        return claimed

    def _keep_renewing(self) -> None:
        renewing = self._renewing
        loop = asyncio.get_running_loop()
        if renewing is None or renewing.done() or renewing.get_loop() is not loop:
            self._renewing = loop.create_task(self._renew_leases())

    async def _renew_leases(self) -> None:
        """While this process runs tasks, push their leases forward every third of a
        lease, so no other process takes them over."""
        while self._running:
            await asyncio.sleep(self.lease / 3)
            try:
                await self._put_back_ready(time.monotonic() - self.lease / 3)
                await self._thread.run(self._renew, list(self._running), time.time() + self.lease)
            except Exception:
                logger.exception("could not renew the leases of running tasks")

    async def _put_back_ready(self, claimed_before: float) -> None:
        """Put back the tasks claimed along with a success before ``claimed_before`` that
        no worker asked for (their workers stopped), without counting the attempt."""
        stale: list[tuple[str]] = []
        for category, ready in self._ready.items():
            stale += [(info.id,) for claimed, info in ready if claimed < claimed_before]
            self._ready[category] = [entry for entry in ready if entry[0] >= claimed_before]
        for (task_id,) in stale:
            self._running.pop(task_id, None)
        if stale:
            await self._thread.run(self._write_many, _REQUEUE, stale)

    def _renew(self, task_ids: list[str], until: float) -> None:
        if not task_ids:
            return
        with self._transaction() as connection:
            connection.executemany(
                "UPDATE gobstopper_tasks SET lease_until = ? WHERE id = ? AND status = 'started'",
                [(until, task_id) for task_id in task_ids],
            )

    async def wait(self, category: str, timeout: float) -> None:
        """Return once a task was added to ``category`` by this process since the last
        wait, once another process wrote to the file, or after ``timeout`` seconds."""
        await self._wakeups.wait(category, timeout, changed_elsewhere=self._changed_elsewhere)

    async def _changed_elsewhere(self) -> bool:
        version = await self._thread.run(self._read_data_version)
        changed, self._data_version = version != self._data_version, version
        return changed

    def _read_data_version(self) -> int:
        assert self._connection is not None
        return int(self._connection.execute("PRAGMA data_version").fetchone()[0])

    async def fail(
        self, task_id: str, error: str, traceback: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record a failure: ``retrying`` until ``retry_at``, or ``failed`` for good."""
        if retry_at is None:
            sql = (
                "UPDATE gobstopper_tasks SET status = 'failed', error = ?, traceback = ?, "
                "finished_at = ?, lease_until = NULL WHERE id = ?"
            )
            when = now
        else:
            sql = (
                "UPDATE gobstopper_tasks SET status = 'retrying', error = ?, traceback = ?, "
                "run_at = ?, lease_until = NULL WHERE id = ?"
            )
            when = retry_at
        await self._thread.run(
            self._write_many, sql, [(error, traceback, when.timestamp(), task_id)]
        )
        self._running.pop(task_id, None)

    async def requeue(self, task_id: str) -> None:
        """Put a started task back (shutting down): it runs again, not counted as a try."""
        await self._thread.run(self._write_many, _REQUEUE, [(task_id,)])
        self._running.pop(task_id, None)

    def _write_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        with self._transaction() as connection:
            connection.executemany(sql, rows)

    def _change(self, sql: str, parameters: list[Any]) -> int:
        with self._transaction() as connection:
            return len(connection.execute(sql, parameters).fetchall())
