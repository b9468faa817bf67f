"""PostgreSQL connection pools (asyncpg) for stores: one per process and event loop,
created on first use, with failures turned into :class:`BackendUnavailable` (HTTP 503).

An operation that fails because its connection broke (the server restarted, say) is
retried once on a fresh connection, so a pool recovers by itself once the server is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

try:
    import asyncpg
except ImportError as error:  # pragma: no cover - the extra is not installed
    raise ImportError("this feature needs asyncpg: pip install 'gobstopper[postgres]'") from error

from .errors import BackendUnavailable
from .looplocal import LoopLocal

__all__ = ["PostgresPool"]

logger = logging.getLogger("gobstopper")

T = TypeVar("T")

_CONNECTION_ERRORS = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
)


class PostgresPool:
    """A DSN, pooled lazily in each worker process and event loop.

    :param setup: run once per new pool (create tables, say).
    :param timeout: seconds to connect, to wait for a free connection and per statement.
    """

    def __init__(
        self,
        dsn: str,
        *,
        service: str,
        setup: Callable[[Any], Awaitable[None]] | None = None,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 5.0,
    ) -> None:
        self.dsn = dsn
        self.service = service
        self.timeout = timeout
        self._setup = setup
        self._min_size = min_size
        self._max_size = max_size
        self._pools: LoopLocal[asyncio.Task[Any]] = LoopLocal(
            lambda: asyncio.ensure_future(self._create())
        )

    async def _create(self) -> Any:
        pool = await asyncpg.create_pool(
            self.dsn,
            min_size=self._min_size,
            max_size=self._max_size,
            timeout=self.timeout,
            command_timeout=self.timeout,
        )
        if self._setup is not None:
            async with pool.acquire() as connection:
                await self._setup(connection)
        return pool

    async def run(self, operation: Callable[[Any], Awaitable[T]]) -> T:
        """Run ``operation(connection)``; retry once if the connection broke."""
        try:
            return await self._once(operation)
        except asyncio.TimeoutError as error:
            raise self._unavailable(error) from error
        except _CONNECTION_ERRORS:
            pass  # a connection the server dropped: the pool replaces it
        try:
            return await self._once(operation)
        except _CONNECTION_ERRORS as error:
            raise self._unavailable(error) from error

    async def _once(self, operation: Callable[[Any], Awaitable[T]]) -> T:
        pool = await self._pool()
        async with pool.acquire(timeout=self.timeout) as connection:
            return await operation(connection)

    def _unavailable(self, error: BaseException) -> BackendUnavailable:
        logger.warning("%s: %s", self.service, error or type(error).__name__)
        return BackendUnavailable(self.service)

    async def _pool(self) -> Any:
        creating = self._pools.get()
        try:
            return await asyncio.shield(creating)
        except BaseException:
            if creating.done():
                self._pools.take()  # the next request tries again
            raise

    async def aclose(self) -> None:
        """Close the running loop's pool."""
        creating = self._pools.take()
        finished = creating is not None and creating.done() and not creating.cancelled()
        if finished and creating.exception() is None:
            await creating.result().close()
