"""What the SQLite and DuckDB task stores share: the reads, cancelling and cleaning up,
written once in the SQL both engines speak."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

from .dbthread import DatabaseThread
from .models import TaskInfo, TaskStatus, finished_status_values
from .rows import COLUMNS, RUNNABLE, row_to_info

__all__ = ["SQLTaskStore"]


class SQLTaskStore(ABC):
    """The base of a task table in an embedded database used from one thread.

    A subclass owns ``_connection`` (touched only on ``_thread``) and says how it stores
    times (:meth:`_stored`, :meth:`_when`) and how a writing statement is committed
    (:meth:`_change`).
    """

    _thread: DatabaseThread
    _connection: Any

    @staticmethod
    @abstractmethod
    def _stored(value: datetime) -> Any:
        """``value`` as the table keeps it."""

    @staticmethod
    @abstractmethod
    def _when(value: Any) -> datetime | None:
        """A stored time as an aware UTC datetime (``None`` stays ``None``)."""

    @abstractmethod
    def _change(self, sql: str, parameters: list[Any]) -> int:
        """Run the writing statement ``sql`` (``… RETURNING id``) and commit it; returns
        how many rows it changed. Called on the database thread."""

    @abstractmethod
    async def requeue(self, task_id: str) -> None:
        """Put a started task back (shutting down): it runs again, not counted as a try."""

    async def _close_connection(self) -> None:
        """Close the connection on its thread, after the calls in flight, and start a
        fresh thread for a later open."""
        await self._thread.run(self._close)
        self._thread.restart()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _info(self, row: tuple[Any, ...]) -> TaskInfo:
        return row_to_info(row, self._when)

    async def _give_back(self, info: TaskInfo | None) -> None:
        """Put back a task claimed for a worker that stopped waiting for it."""
        if info is not None:
            await self.requeue(info.id)

    async def next_run_at(self, category: str) -> datetime | None:
        """When the next waiting task of ``category`` becomes runnable."""
        return await self._thread.run(self._next_run_at, category)

    def _next_run_at(self, category: str) -> datetime | None:
        row = self._connection.execute(
            f"SELECT min(run_at) FROM gobstopper_tasks WHERE category = ? AND status IN {RUNNABLE}",
            [category],
        ).fetchone()
        return self._when(row[0]) if row else None

    async def cancel(self, task_id: str, now: datetime) -> bool:
        """Cancel a task that has not started; returns whether it was cancelled."""
        changed = await self._thread.run(
            self._change,
            "UPDATE gobstopper_tasks SET status = 'cancelled', finished_at = ? "
            f"WHERE id = ? AND status IN {RUNNABLE} RETURNING id",
            [self._stored(now), task_id],
        )
        return bool(changed)

    async def delete_finished(
        self, before: datetime, statuses: tuple[TaskStatus, ...] | None = None
    ) -> int:
        """Delete finished tasks that finished before ``before``; returns how many."""
        values = finished_status_values(statuses)
        if not values:
            return 0
        marks = ", ".join("?" for _ in values)
        return await self._thread.run(
            self._change,
            f"DELETE FROM gobstopper_tasks WHERE status IN ({marks}) AND finished_at < ? "
            "RETURNING id",
            [*values, self._stored(before)],
        )

    async def get(self, task_id: str) -> TaskInfo | None:
        """The task ``task_id``, or ``None``."""
        return await self._thread.run(self._get, task_id)

    def _get(self, task_id: str) -> TaskInfo | None:
        row = self._connection.execute(
            f"SELECT {COLUMNS} FROM gobstopper_tasks WHERE id = ?", [task_id]
        ).fetchone()
        return None if row is None else self._info(row)

    async def stats(self) -> dict[str, dict[str, int]]:
        """``{category: {status: count}}``."""
        return await self._thread.run(self._stats)

    def _stats(self) -> dict[str, dict[str, int]]:
        rows = self._connection.execute(
            "SELECT category, status, count(*) FROM gobstopper_tasks "
            "GROUP BY category, status ORDER BY category, status"
        ).fetchall()
        stats: dict[str, dict[str, int]] = {}
        for category, status, count in rows:
            stats.setdefault(category, {})[status] = count
        return stats
