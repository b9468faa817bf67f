"""PostgreSQL connection pools (asyncpg) for stores: one per process and event loop,
created on first use, with failures turned into :class:`BackendUnavailable` (HTTP 503).

Under the rloop event loop, which cannot do the TLS upgrade asyncpg performs, a DSN
without ``sslmode`` connects without TLS (what libpq's default ``prefer`` falls back to),
and one that asks for TLS is refused with a message naming ``--loop asyncio``.

An operation that fails because its connection broke (the server restarted, say) is
retried once on a fresh connection, so a pool recovers by itself once the server is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

try:
    import asyncpg  # type: ignore[import-untyped]  # asyncpg ships neither stubs nor py.typed
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


def _loop_lacks_tls_upgrade() -> bool:
    """Whether the running loop is rloop, whose transports cannot switch protocol (which
    asyncpg's TLS negotiation does)."""
    return type(asyncio.get_running_loop()).__module__.startswith("rloop")


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
        options: dict[str, Any] = {}
        if _loop_lacks_tls_upgrade():
            if "sslmode=" in self.dsn:
                raise RuntimeError(
                    f"{self.service}: the rloop event loop cannot upgrade a connection to "
                    "TLS as asyncpg needs; serve with `gobstopper run --loop asyncio`"
                )
            # libpq's default, sslmode=prefer, falls back to plain connections; do that
            # directly rather than fail on this loop.
            options["ssl"] = False
        pool = await asyncpg.create_pool(
            self.dsn,
            min_size=self._min_size,
            max_size=self._max_size,
            timeout=self.timeout,
            command_timeout=self.timeout,
            **options,
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
        if creating is None or not creating.done() or creating.cancelled():
            return
        if creating.exception() is None:
            await creating.result().close()
