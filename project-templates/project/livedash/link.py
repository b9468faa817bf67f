"""How the processes of one deployment meet: points travel from the ingest handlers to
the aggregator, one process leads the aggregation, and the latest snapshots wait for new
viewers.

:class:`LocalLink` keeps all of it in this process (one worker). :class:`RedisLink`
keeps it in Redis, so any number of workers and services share one aggregator: points go
through a Redis stream, the leader holds a lock that expires unless renewed each tick
(another process takes over within three ticks when it dies), and each process lists the
rooms its viewers watch in a sorted set whose scores expire the same way.
"""

from __future__ import annotations

import os
import time
from typing import Any, Protocol

import msgspec

from .points import Sample

__all__ = ["LocalLink", "Link", "RedisLink"]

_samples = msgspec.msgpack.Decoder(list[Sample])
_encode = msgspec.msgpack.encode

# Renew the lock only while this process holds it; take it when nobody does.
_LEAD = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
if not holder then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
return 0
"""


class Link(Protocol):
    """What the hub needs from the processes around it."""

    async def send(self, samples: list[Sample]) -> None: ...
    async def take(self) -> list[Sample]: ...
    async def count_requests(self, count: int) -> None: ...
    async def take_requests(self) -> int: ...
    async def lead(self) -> bool: ...
    async def next_tick(self) -> int: ...
    async def watch(self, dashboards: list[str]) -> None: ...
    async def watched(self) -> list[str]: ...
    async def keep_latest(self, snapshots: dict[str, bytes]) -> None: ...
    async def latest(self, dashboard: str) -> bytes | None: ...
    async def aclose(self) -> None: ...


class LocalLink:
    """Everything in this process: the only process of a one-worker deployment."""

    def __init__(self) -> None:
        self._pending: list[Sample] = []
        self._requests = 0
        self._tick = 0
        self._latest: dict[str, bytes] = {}
        self._watched: list[str] = []

    async def send(self, samples: list[Sample]) -> None:
        """Queue ``samples`` for the next tick."""
        self._pending.extend(samples)

    async def take(self) -> list[Sample]:
        """The samples queued since the last call."""
        taken, self._pending = self._pending, []
        return taken

    async def count_requests(self, count: int) -> None:
        """Add ``count`` requests served since the last tick."""
        self._requests += count

    async def take_requests(self) -> int:
        """The requests counted since the last call."""
        taken, self._requests = self._requests, 0
        return taken

    async def lead(self) -> bool:
        """This process always leads."""
        return True

    async def next_tick(self) -> int:
        """The number of the tick being aggregated (1, 2, ...)."""
        self._tick += 1
        return self._tick

    async def watch(self, dashboards: list[str]) -> None:
        """Note the dashboards this process's viewers watch."""
        self._watched = dashboards

    async def watched(self) -> list[str]:
        """The dashboards someone watches."""
        return self._watched

    async def keep_latest(self, snapshots: dict[str, bytes]) -> None:
        """Keep each dashboard's newest snapshot for its next new viewer."""
        self._latest.update(snapshots)

    async def latest(self, dashboard: str) -> bytes | None:
        """``dashboard``'s newest snapshot, if it had one."""
        return self._latest.get(dashboard)

    async def aclose(self) -> None:
        """Nothing to close."""


class RedisLink:
    """Everything in Redis under ``prefix``, shared by every process that names it.

    :param tick: seconds between ticks; the lock and the watch list expire after three.
    :param max_points: the stream keeps about this many points waiting at most.
    """

    def __init__(self, url: str, prefix: str, tick: float, *, max_points: int = 1_000_000) -> None:
        self.url = url
        self.prefix = prefix
        self.ttl_ms = max(1, round(3 * tick * 1000))
        self.max_points = max_points
        self.identity = f"{os.uname().nodename}:{os.getpid()}:{os.urandom(4).hex()}"
        self._client: Any = None
        self._stream = f"{prefix}points"
        self._cursor = f"{prefix}cursor"

    @property
    def client(self) -> Any:
        """The Redis client of the running event loop, made on first use (a server runs
        one loop; tests start a loop per test, and a client belongs to its loop)."""
        if self._client is None:
            from redis import asyncio as redis

            self._client = redis.Redis.from_url(
                self.url, socket_connect_timeout=2, socket_timeout=5
            )
        return self._client

    async def send(self, samples: list[Sample]) -> None:
        """Append ``samples`` (one entry) to the points stream."""
        await self.client.xadd(
            self._stream, {"p": _encode(samples)}, maxlen=self.max_points, approximate=True
        )

    async def take(self) -> list[Sample]:
        """The entries after the stream cursor, which moves past them and drops them (the
        cursor lives in Redis, so a new leader goes on where the last one stopped)."""
        cursor = (await self.client.get(self._cursor)) or b"0-0"
        taken: list[Sample] = []
        while True:
            reply = await self.client.xread({self._stream: cursor}, count=1000)
            entries = reply[0][1] if reply else []
            for entry_id, fields in entries:
                taken.extend(_samples.decode(fields[b"p"]))
                cursor = entry_id
            if len(entries) < 1000:
                break
        if taken:
            await self.client.set(self._cursor, cursor)
            await self.client.xtrim(self._stream, minid=cursor)
        return taken

    async def count_requests(self, count: int) -> None:
        """Add ``count`` requests served by this process since its last tick."""
        if count:
            await self.client.incrby(f"{self.prefix}requests", count)

    async def take_requests(self) -> int:
        """Every process's requests counted since the last call."""
        return int(await self.client.getdel(f"{self.prefix}requests") or 0)

    async def lead(self) -> bool:
        """Take or renew the aggregator's lock; whether this process holds it."""
        held = await self.client.eval(_LEAD, 1, f"{self.prefix}leader", self.identity, self.ttl_ms)
        return bool(held)

    async def next_tick(self) -> int:
        """The number of the tick being aggregated, counted across leaders."""
        return int(await self.client.incr(f"{self.prefix}tick"))

    async def watch(self, dashboards: list[str]) -> None:
        """Mark ``dashboards`` watched until three ticks from now."""
        if dashboards:
            until = time.time() + self.ttl_ms / 1000
            await self.client.zadd(f"{self.prefix}watched", dict.fromkeys(dashboards, until))

    async def watched(self) -> list[str]:
        """The dashboards some process marked watched lately."""
        key = f"{self.prefix}watched"
        now = time.time()
        await self.client.zremrangebyscore(key, "-inf", now)
        return [name.decode() for name in await self.client.zrangebyscore(key, now, "+inf")]

    async def keep_latest(self, snapshots: dict[str, bytes]) -> None:
        """Keep each dashboard's newest snapshot (for a minute past the last tick)."""
        async with self.client.pipeline(transaction=False) as pipe:
            for dashboard, payload in snapshots.items():
                pipe.set(f"{self.prefix}latest:{dashboard}", payload, px=60_000 + self.ttl_ms)
            await pipe.execute()

    async def latest(self, dashboard: str) -> bytes | None:
        """``dashboard``'s newest snapshot, if it had one lately."""
        return await self.client.get(f"{self.prefix}latest:{dashboard}")

    async def aclose(self) -> None:
        """Close the connection to Redis (a later use opens a new one)."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()
