"""Waking idle workers when a task is added, instead of making them poll."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

__all__ = ["Wakeups"]


class Wakeups:
    """One event per category, set when this process adds a task to it.

    An event belongs to one event loop, and an application may be served by several in
    turn (a test client each, say), so a new loop gets new events.
    """

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def _event(self, category: str) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._events, self._loop = {}, loop
        return self._events.setdefault(category, asyncio.Event())

    def notify(self, category: str) -> None:
        """Wake the workers of ``category`` waiting in this process."""
        self._event(category).set()

    async def wait(
        self,
        category: str,
        timeout: float,
        *,
        changed_elsewhere: Callable[[], Awaitable[bool]] | None = None,
        check_every: float = 0.1,
    ) -> None:
        """Return once a task was added to ``category`` since the last wait, or after
        ``timeout`` seconds. With ``changed_elsewhere``, also return as soon as it says
        another process wrote, asking every ``check_every`` seconds."""
        added = self._event(category)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            step = left if changed_elsewhere is None else min(left, check_every)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(added.wait(), step)
            if added.is_set() or (changed_elsewhere is not None and await changed_elsewhere()):
                break
        added.clear()
