"""Service discovery and a typed client for calling peer services.

Two registries answer "where does service X run?":

* :class:`StaticRegistry`: the ``APP_PEERS`` setting (``users=http://10.0.0.5:8001,...``).
* :class:`RedisRegistry`: each instance announces its URL with a time-to-live and renews
  it every third of that time; an instance that stops renewing drops out after the TTL.
  Expiry is measured by the Redis server's clock, so instances' clocks may disagree.

:class:`PeerClient` picks an instance (round robin, moving on when one does not answer)
and decodes replies into msgspec types, so a peer's contract lives in code.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from typing import Any, Protocol, TypeVar

import httpx
import msgspec
from gobstopper import Gobstopper, HTTPException
from gobstopper.backends import BackendUnavailable, LoopLocal

from config import Config

__all__ = [
    "PeerClient",
    "RedisRegistry",
    "Registry",
    "StaticRegistry",
    "announce",
    "registry_from",
]

T = TypeVar("T")
logger = logging.getLogger("discovery")

# Announce: add or renew an instance, drop the expired ones, keep the key a while.
_ANNOUNCE = """
local now = redis.call('TIME')
local seconds = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', seconds)
redis.call('ZADD', KEYS[1], seconds + tonumber(ARGV[2]), ARGV[1])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 4))
return 1
"""
# Lookup: the instances whose announcement has not expired.
_LOOKUP = """
local now = redis.call('TIME')
local seconds = tonumber(now[1]) + tonumber(now[2]) / 1000000
return redis.call('ZRANGE', KEYS[1], seconds, '+inf', 'BYSCORE')
"""


class Registry(Protocol):
    """Where services announce themselves and look each other up."""

    async def register(self, service: str, url: str, ttl: int) -> None: ...
    async def deregister(self, service: str, url: str) -> None: ...
    async def lookup(self, service: str) -> list[str]: ...
    async def ping(self) -> None: ...
    async def aclose(self) -> None: ...


class StaticRegistry:
    """Peers fixed by configuration; announcing is a no-op."""

    def __init__(self, peers: dict[str, str]) -> None:
        self.peers = dict(peers)

    async def register(self, service: str, url: str, ttl: int) -> None:
        return None

    async def deregister(self, service: str, url: str) -> None:
        return None

    async def lookup(self, service: str) -> list[str]:
        return [self.peers[service]] if service in self.peers else []

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


class RedisRegistry:
    """Instances of each service in a Redis sorted set scored by expiry time."""

    def __init__(self, url: str, prefix: str = "services", timeout: float = 2.0) -> None:
        from gobstopper.backends.redis import RedisClient, redis_unavailable

        self.prefix = prefix
        self._redis = RedisClient(url, timeout=timeout)
        self._unavailable = redis_unavailable

    def _key(self, service: str) -> str:
        return f"{self.prefix}:{service}"

    async def _call(self, script: str, service: str, *args: Any) -> Any:
        with self._unavailable("service registry"):
            return await self._redis.get().eval(script, 1, self._key(service), *args)

    async def register(self, service: str, url: str, ttl: int) -> None:
        await self._call(_ANNOUNCE, service, url, ttl)

    async def deregister(self, service: str, url: str) -> None:
        with contextlib.suppress(BackendUnavailable), self._unavailable("service registry"):
            await self._redis.get().zrem(self._key(service), url)

    async def lookup(self, service: str) -> list[str]:
        found = await self._call(_LOOKUP, service)
        return [entry.decode() if isinstance(entry, bytes) else entry for entry in found]

    async def ping(self) -> None:
        await self._call("return redis.call('PING')", "ping")

    async def aclose(self) -> None:
        await self._redis.aclose()


def registry_from(config: Config) -> Registry:
    """The registry ``APP_DISCOVERY`` names."""
    if config.discovery == "redis":
        return RedisRegistry(config.redis_url)
    return StaticRegistry(config.peers)


def announce(app: Gobstopper, registry: Registry, config: Config) -> None:
    """Register this instance at startup, renew it while serving, deregister at shutdown."""
    heartbeat: list[asyncio.Task[None]] = []

    async def renew() -> None:
        while True:
            await asyncio.sleep(config.heartbeat_ttl / 3)
            try:
                await registry.register(
                    config.service_name, config.public_url, config.heartbeat_ttl
                )
            except BackendUnavailable:
                logger.warning("could not renew %s in the registry", config.service_name)

    @app.on_startup
    async def register() -> None:
        try:
            await registry.register(config.service_name, config.public_url, config.heartbeat_ttl)
        except BackendUnavailable:
            logger.warning("registry unavailable; %s will retry", config.service_name)
        heartbeat.append(asyncio.create_task(renew()))

    @app.on_shutdown
    async def deregister() -> None:
        for task in heartbeat:
            task.cancel()
        heartbeat.clear()
        await registry.deregister(config.service_name, config.public_url)
        await registry.aclose()


class PeerClient:
    """Calls another service by name and decodes its JSON replies into typed values.

    >>> users = PeerClient(registry, "users")
    >>> user = await users.get("/users/7", User)
    """

    def __init__(self, registry: Registry, service: str, *, timeout: float = 5.0) -> None:
        self.registry = registry
        self.service = service
        self._turn = itertools.count()
        self._http = LoopLocal(lambda: httpx.AsyncClient(timeout=timeout))

    async def send(
        self, method: str, path: str, *, content: bytes = b"", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """The peer's raw reply; 503 when no instance of it answers."""
        instances = await self.registry.lookup(self.service)
        if not instances:
            raise BackendUnavailable(self.service)
        start = next(self._turn) % len(instances)
        for base in instances[start:] + instances[:start]:
            try:
                return await self._http.get().request(
                    method, base + path, content=content, headers=headers
                )
            except httpx.TransportError as error:
                logger.warning("%s at %s did not answer: %s", self.service, base, error)
        raise BackendUnavailable(self.service)

    async def call(self, method: str, path: str, reply_type: type[T], body: Any = None) -> T:
        """Send ``body`` as JSON and decode the reply as ``reply_type``; a peer's error
        status becomes a 502 naming it, a reply of the wrong shape too."""
        content = b"" if body is None else msgspec.json.encode(body)
        headers = {"content-type": "application/json"} if body is not None else None
        reply = await self.send(method, path, content=content, headers=headers)
        if reply.status_code >= 400:
            raise HTTPException(502, f"{self.service} answered {reply.status_code} to {path}")
        try:
            return msgspec.json.decode(reply.content, type=reply_type)
        except msgspec.ValidationError as error:
            raise HTTPException(502, f"{self.service} sent an unexpected reply: {error}") from None

    async def get(self, path: str, reply_type: type[T]) -> T:
        """``GET path`` decoded as ``reply_type``."""
        return await self.call("GET", path, reply_type)

    async def post(self, path: str, body: Any, reply_type: type[T]) -> T:
        """``POST path`` with ``body`` as JSON, the reply decoded as ``reply_type``."""
        return await self.call("POST", path, reply_type, body)

    async def aclose(self) -> None:
        """Close this event loop's connections."""
        client = self._http.take()
        if client is not None:
            await client.aclose()
