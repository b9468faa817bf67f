"""A value made on first use in each worker process and event loop.

Clients of Redis and PostgreSQL belong to the event loop that created them, and a client
inherited through ``fork`` must not be shared with the parent. Objects created at import
time (a store, a limiter) therefore keep their connections in a :class:`LoopLocal`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["LoopLocal"]

T = TypeVar("T")


class LoopLocal(Generic[T]):
    """Holds one ``factory()`` result for the running process and event loop."""

    __slots__ = ("_factory", "_owner", "_value")

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._owner: tuple[int, asyncio.AbstractEventLoop] | None = None
        self._value: T | None = None

    def get(self) -> T:
        """The value for the running loop, made now if this loop has none yet."""
        owner = (os.getpid(), asyncio.get_running_loop())
        if self._owner != owner or self._value is None:
            self._value = self._factory()
            self._owner = owner
        return self._value

    def current(self) -> T | None:
        """The value if it was made in the running loop, else ``None`` (makes nothing)."""
        if self._owner == (os.getpid(), asyncio.get_running_loop()):
            return self._value
        return None

    def take(self) -> T | None:
        """Remove and return the running loop's value (to close it)."""
        value = self.current()
        self._owner, self._value = None, None
        return value
