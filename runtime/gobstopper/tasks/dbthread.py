"""The one thread an embedded task database is used from.

An embedded connection must not be used by two threads at once, and its calls block, so
every call of a store runs on one dedicated thread that owns the connection: the event
loop never waits on the database, and the connection is only ever touched there.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["DatabaseThread"]

T = TypeVar("T")


class DatabaseThread:
    """Runs blocking database calls, in order, on a thread named ``name``."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._executor = concurrent.futures.ThreadPoolExecutor(1, name)

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)`` on the database thread, awaited from the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    def restart(self) -> None:
        """Wait for calls in flight, then start a fresh thread (after the connection was
        closed, so a later open starts clean)."""
        finished, self._executor = (
            self._executor,
            concurrent.futures.ThreadPoolExecutor(1, self._name),
        )
        finished.shutdown(wait=True)
