"""The columns of the embedded task table and how a row becomes a :class:`TaskInfo`,
shared by the SQLite and DuckDB stores."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from .models import TaskInfo, TaskPriority, TaskStatus

__all__ = ["COLUMNS", "RUNNABLE", "row_to_info"]

COLUMNS = (
    "id, name, category, priority, status, kwargs, result, error, traceback, attempts, "
    "max_retries, timeout, created_at, run_at, started_at, finished_at"
)
"""The columns every read selects, in the order :func:`row_to_info` expects."""

RUNNABLE = "('pending', 'retrying')"
"""The statuses a worker may claim, as an SQL list."""

_decode = msgspec.json.decode


def row_to_info(row: tuple[Any, ...], when: Callable[[Any], datetime | None]) -> TaskInfo:
    """The task in ``row`` (selected as :data:`COLUMNS`); ``when`` turns a stored time into
    an aware UTC datetime."""
    return TaskInfo(
        id=row[0],
        name=row[1],
        category=row[2],
        priority=TaskPriority(row[3]),
        status=TaskStatus(row[4]),
        kwargs=_decode(row[5]),
        result=None if row[6] is None else _decode(row[6]),
        error=row[7],
        traceback=row[8],
        attempts=row[9],
        max_retries=row[10],
        timeout=row[11],
        created_at=when(row[12]),  # type: ignore[arg-type]
        run_at=when(row[13]),  # type: ignore[arg-type]
        started_at=when(row[14]),
        finished_at=when(row[15]),
    )
