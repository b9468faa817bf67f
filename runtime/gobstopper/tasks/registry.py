"""The tasks an application declares with ``@app.task``."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["TaskDefinition", "TaskRegistry", "check_category"]

_CATEGORY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def check_category(category: str) -> None:
    """Refuse a category name workers could not be started for by name."""
    if not _CATEGORY.match(category):
        raise ValueError(
            f"task category {category!r} must be 1-64 letters, digits, '_', '-' or '.'"
        )


@dataclass(frozen=True, slots=True)
class TaskDefinition:
    """A registered task: sync functions run in a thread, async ones on the loop."""

    name: str
    category: str
    func: Callable[..., Any]
    is_async: bool


class TaskRegistry:
    """Task names → definitions; a name is registered once."""

    def __init__(self) -> None:
        self._tasks: dict[str, TaskDefinition] = {}

    def register(self, func: Callable[..., Any], name: str | None, category: str) -> None:
        """Add ``func`` as task ``name`` (default: the function's name) in ``category``."""
        task_name = name or func.__name__
        check_category(category)
        existing = self._tasks.get(task_name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"a task named {task_name!r} is already registered")
        self._tasks[task_name] = TaskDefinition(
            task_name, category, func, inspect.iscoroutinefunction(func)
        )

    def get(self, name: str) -> TaskDefinition:
        """The definition of ``name``; unknown names raise :class:`LookupError`."""
        try:
            return self._tasks[name]
        except KeyError:
            known = ", ".join(sorted(self._tasks)) or "none"
            raise LookupError(f"unknown task {name!r} (registered: {known})") from None

    def categories(self) -> set[str]:
        """Every category some task belongs to."""
        return {definition.category for definition in self._tasks.values()}

    def __contains__(self, name: object) -> bool:
        return name in self._tasks

    def __len__(self) -> int:
        return len(self._tasks)
