"""Sessions in Redis: shared by every worker and machine, expired by Redis itself."""

from __future__ import annotations

from typing import Any

from ..backends.redis import RedisClient, redis_unavailable
from .base import SessionStore, decode_session, encode_session

__all__ = ["RedisSessionStore"]

_SERVICE = "the Redis session store"


class RedisSessionStore(SessionStore):
    """Each session is one key, ``prefix + id``, with a TTL.

    :param url: ``redis://host:port/db`` (``rediss://`` for TLS).
    :param timeout: seconds to wait for Redis before answering 503.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "gobstopper:session:",
        timeout: float = 2.0,
    ) -> None:
        self.prefix = prefix
        self._redis = RedisClient(url, timeout=timeout)

    async def load(self, session_id: str) -> dict[str, Any] | None:
        with redis_unavailable(_SERVICE):
            raw = await self._redis.get().get(self.prefix + session_id)
        return None if raw is None else decode_session(raw)

    async def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        body = encode_session(data)
        with redis_unavailable(_SERVICE):
            await self._redis.get().set(self.prefix + session_id, body, ex=ttl)

    async def delete(self, session_id: str) -> None:
        with redis_unavailable(_SERVICE):
            await self._redis.get().delete(self.prefix + session_id)

    async def touch(self, session_id: str, ttl: int) -> None:
        with redis_unavailable(_SERVICE):
            await self._redis.get().expire(self.prefix + session_id, ttl)

    async def aclose(self) -> None:
        await self._redis.aclose()
