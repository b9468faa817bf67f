"""The hub: takes points in, runs the aggregator each tick, and streams one snapshot per
watched dashboard to its room.

Every process runs a tick loop. Each tick it counts its requests and lists the dashboards
its viewers watch; the one process that leads (always, with :class:`~livedash.link.LocalLink`;
the holder of the Redis lock otherwise) then aggregates for everyone: it takes the new
points, adds the host's samples, computes the window's statistics once, encodes one
snapshot per dashboard and broadcasts it to the room, which the runtime's
:class:`~gobstopper.websocket.RedisRoomManager` carries to the viewers of every process.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time

import msgspec
from gobstopper import Gobstopper
from gobstopper.websocket import RoomManager, WebSocket

from .collector import RequestCounter, host_samples, request_rate
from .link import Link, LocalLink, RedisLink
from .points import Point, Sample, samples_of
from .settings import DashSettings
from .store import MetricStore
from .window import RollingWindow, Snapshot

__all__ = ["DASHBOARD_PATTERN", "Hub", "RedisRequired"]

logger = logging.getLogger(__name__)

#: A dashboard's name: a metric name's first word.
DASHBOARD_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Ticks between two deletions of points older than the retention.
PRUNE_EVERY = 60


class RedisRequired(RuntimeError):
    """A service that needs the other services' points and viewers started without Redis."""


class Hub:
    """One process's share of the live dashboards.

    :param settings: tick, window, retention, store and Redis settings.
    :param aggregate: whether this process may lead the aggregation (the ``stream``
        service does, the ``ingest`` and ``web`` services do not).
    """

    def __init__(self, settings: DashSettings, *, aggregate: bool = True) -> None:
        self.settings = settings
        self.aggregate = aggregate
        self.store = MetricStore(settings.database)
        self.window = RollingWindow(settings.window)
        self.requests = RequestCounter()
        self.link: Link
        self.rooms: RoomManager
        prefix = settings.redis_prefix
        if settings.redis_url:
            from gobstopper.websocket import RedisRoomManager

            self.link = RedisLink(settings.redis_url, prefix, settings.tick)
            self.rooms = RedisRoomManager(
                settings.redis_url, channel_prefix=f"{prefix}rooms:", send_timeout=settings.tick
            )
        else:
            self.link = LocalLink()
            self.rooms = RoomManager(send_timeout=settings.tick)
        self._loop: asyncio.Task[None] | None = None
        self._stopping = False
        self._ticks = 0

    @classmethod
    def shared(cls, settings: DashSettings, *, aggregate: bool, service: str) -> Hub:
        """A hub for one of several services, which meet only through Redis: refuses to
        start without ``APP_DASH_REDIS_URL``."""
        if not settings.redis_url:
            raise RedisRequired(
                f"the {service} service needs APP_DASH_REDIS_URL (for example "
                "redis://127.0.0.1:6379/0): the ingest, stream and web services pass "
                "points, snapshots and the aggregator's lock through Redis"
            )
        return cls(settings, aggregate=aggregate)

    def install(self, app: Gobstopper) -> None:
        """Count ``app``'s requests and run the tick loop while ``app`` serves."""
        app.add_middleware(self.requests)
        app.on_startup(self.start)
        app.on_shutdown(self.stop)

    async def start(self) -> None:
        """Open the store and start the tick loop."""
        if self.aggregate:
            await asyncio.to_thread(self.store.open)
        self._stopping = False
        self._loop = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        """Stop the tick loop and close the connections to Redis."""
        task, self._loop = self._loop, None
        if task is not None:
            self._stopping = True
            # A library finishing at the moment of cancellation may swallow it
            # (asyncio.wait_for before Python 3.12), so cancel until the loop has ended;
            # the flag ends it at its next tick in any case.
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=0.1)
        close_rooms = getattr(self.rooms, "aclose", None)
        if close_rooms is not None:
            await close_rooms()
        await self.link.aclose()

    # -- ingest ---------------------------------------------------------------------------

    async def ingest(self, points: Point | list[Point]) -> int:
        """Queue posted points for the aggregator; returns how many. Raises
        :class:`~livedash.points.PointError` naming the field of a point it refuses."""
        samples = samples_of(points, self.settings.max_batch)
        await self.link.send(samples)
        return len(samples)

    # -- viewers --------------------------------------------------------------------------

    async def serve(self, websocket: WebSocket, dashboard: str) -> None:
        """Stream ``dashboard`` to ``websocket``: its latest snapshot now, then one per
        tick until the viewer leaves. An unknown name's connection is refused with 404."""
        if not DASHBOARD_PATTERN.match(dashboard):
            websocket.refuse(404)
            return
        await websocket.accept()
        await self.rooms.join(dashboard, websocket)
        latest = await self.link.latest(dashboard)
        if latest is None:
            latest = msgspec.json.encode(
                Snapshot(dashboard, 0, time.time(), self.settings.window, {})
            )
        await websocket.send_text(latest.decode())
        async for _ in websocket:
            pass  # viewers only listen; what they send is ignored

    # -- the tick loop --------------------------------------------------------------------

    async def _run(self) -> None:
        tick = self.settings.tick
        while not self._stopping:
            # Ticks fall on multiples of the tick on every process's clock, so the
            # processes of a deployment tick together.
            await asyncio.sleep(tick - time.time() % tick)
            try:
                await self.tick(time.time())
            except Exception:  # a failed tick (Redis gone, say) must not end the loop
                logger.exception("dashboard tick failed")

    async def tick(self, now: float) -> dict[str, Snapshot]:
        """One tick of this process; the snapshots sent when it leads."""
        await self.link.count_requests(self.requests.take())
        await self.link.watch([str(room) for room in self.rooms.rooms()])
        if not self.aggregate or not await self.link.lead():
            return {}
        return await self._aggregate(now)

    async def _aggregate(self, now: float) -> dict[str, Snapshot]:
        samples = await self.link.take()
        if self.settings.collector:
            samples += host_samples(now)
            samples.append(request_rate(now, await self.link.take_requests(), self.settings.tick))
        self.window.add(samples, now)
        number = await self.link.next_tick()
        snapshots = self.window.snapshots(
            self.window.stats(now), number, now, await self.link.watched()
        )
        payloads = {name: msgspec.json.encode(snapshot) for name, snapshot in snapshots.items()}
        await self.link.keep_latest(payloads)
        await asyncio.gather(
            *(self.rooms.broadcast(name, payload.decode()) for name, payload in payloads.items())
        )
        await asyncio.to_thread(self._persist, samples, now)
        return snapshots

    def _persist(self, samples: list[Sample], now: float) -> None:
        self.store.insert(samples)
        self._ticks += 1
        if self._ticks % PRUNE_EVERY == 1:
            self.store.prune(now - self.settings.retention)
