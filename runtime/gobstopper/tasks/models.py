"""What a task is: its priority, its status, and the record kept of each one."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

__all__ = ["TaskInfo", "TaskPriority", "TaskStatus", "finished_status_values"]


class TaskPriority(enum.IntEnum):
    """Order within a category: higher runs first; equal priorities run oldest first."""

    LOW = 0
    NORMAL = 1
    HIGH = 2
    CRITICAL = 3


class TaskStatus(str, enum.Enum):
    """Where a task is in its life."""

    PENDING = "pending"
    STARTED = "started"
    SUCCESS = "success"
    FAILED = "failed"
    RETRYING = "retrying"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """Whether the task will not run again."""
        return self in (TaskStatus.SUCCESS, TaskStatus.FAILED, TaskStatus.CANCELLED)


def finished_status_values(statuses: Iterable[TaskStatus] | None) -> list[str]:
    """The values of the finished ones among ``statuses`` (default: every finished one):
    what cleaning up may delete."""
    chosen = TaskStatus if statuses is None else statuses
    return [status.value for status in chosen if status.finished]


class TaskInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One task as stored: arguments, status, outcome, attempts and timestamps (UTC)."""

    id: str
    name: str
    category: str
    priority: TaskPriority
    status: TaskStatus
    kwargs: dict[str, Any]
    result: Any = None
    error: str | None = None
    traceback: str | None = None
    attempts: int = 0
    max_retries: int = 0
    timeout: float | None = None
    created_at: datetime
    run_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
