"""Redis clients for stores and limiters: one per process and event loop, with short
timeouts, and failures turned into :class:`BackendUnavailable` (HTTP 503)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

try:
    import redis.asyncio as redis
    from redis.exceptions import RedisError
except ImportError as error:  # pragma: no cover - the extra is not installed
    raise ImportError(
        "this feature needs the redis package: pip install 'gobstopper[redis]'"
    ) from error

from .errors import BackendUnavailable
from .looplocal import LoopLocal

# ``redis`` (the ``redis.asyncio`` module) is re-exported so that stores import it from here
# and a missing extra is reported by the message above.
__all__ = ["REDIS_ERRORS", "RedisClient", "redis", "redis_unavailable"]

logger = logging.getLogger("gobstopper")

#: What a Redis call raises when the server is away or too slow.
REDIS_ERRORS = (RedisError, OSError, asyncio.TimeoutError)


@contextlib.contextmanager
def redis_unavailable(service: str) -> Iterator[None]:
    """Turn Redis failures inside the block into :class:`BackendUnavailable`."""
    try:
        yield
    except REDIS_ERRORS as error:
        logger.warning("%s: %s", service, error or type(error).__name__)
        raise BackendUnavailable(service) from error


class RedisClient:
    """A Redis URL, connected lazily in each worker process and event loop.

    Up to ``max_connections`` connections are opened per process; beyond that, calls
    wait (up to ``timeout``) for a free one rather than failing.

    :param timeout: seconds to connect, to wait for a connection and for each reply.
    """

    def __init__(self, url: str, *, timeout: float = 2.0, max_connections: int = 50) -> None:
        self.url = url
        self._clients: LoopLocal[redis.Redis] = LoopLocal(
            lambda: redis.Redis(
                connection_pool=redis.BlockingConnectionPool.from_url(
                    url,
                    max_connections=max_connections,
                    timeout=timeout,
                    socket_connect_timeout=timeout,
                    socket_timeout=timeout,
                )
            )
        )

    def get(self) -> redis.Redis:
        """The client of the running event loop."""
        return self._clients.get()

    async def aclose(self) -> None:
        """Close the running loop's connections."""
        client = self._clients.take()
        if client is not None:
            await client.aclose(close_connection_pool=True)
