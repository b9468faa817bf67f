"""One rule for the synchronous code users hand to Gobstopper.

Handlers, request hooks, error handlers, startup and shutdown hooks, and tasks may be plain
``def`` functions. Each such call runs in a worker thread, so it cannot block the event
loop, and with a copy of the caller's context variables, so :data:`gobstopper.request`,
``g`` and ``session`` work there as in ``async def`` code.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["as_async"]


def as_async(func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """``func`` itself when it is a coroutine function; otherwise a coroutine function that
    runs it in a worker thread with the caller's context variables."""
    if inspect.iscoroutinefunction(func):
        return func

    @functools.wraps(func)
    async def in_thread(*args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(func, *args, **kwargs)

    return in_thread
