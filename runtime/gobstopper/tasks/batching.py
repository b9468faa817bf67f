"""Group commit: calls that arrive while an earlier one is being written are gathered and
written together.

An embedded database pays a fixed cost per statement, so under load one statement for
many tasks is much faster than one each; when calls come one at a time, each still runs
at once, alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["Batcher"]

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """Runs ``write(items)`` for the items of calls that waited; it returns one result
    per item, in order.

    :param unclaimed: called with the result of a call whose caller was cancelled while it
        waited, so nothing it was handed (a started task, say) is lost.
    """

    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[list[R]]],
        *,
        unclaimed: Callable[[R], Awaitable[None]] | None = None,
    ) -> None:
        self._write = write
        self._unclaimed = unclaimed
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        """Write ``item`` with whatever else is waiting; returns its result."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                results = await self._write([item for item, _ in batch])
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
                elif self._unclaimed is not None and result is not None:
                    await self._unclaimed(result)
