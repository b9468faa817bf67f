"""A generated dashboard project served by ``gobstopper run -w 2`` with Redis: viewers
on both workers receive the same snapshots, and one aggregator runs for both."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import websockets

from tests.backends import RedisServer
from tests.conftest import Server, start_server
from tests.dashboard import TOKEN, dashboard_environment, render_dashboard

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

TICK = 0.5
#: How long the viewers listen once the points are posted.
LISTEN = 4.0


@pytest.fixture
def server(tmp_path: Path, own_redis: RedisServer) -> Iterator[Server]:
    project = render_dashboard(tmp_path)
    environment = dashboard_environment(
        project,
        TICK,
        APP_DASH_REDIS_URL=own_redis.url,
        # Tasks in Redis too: the DuckDB task file belongs to one process.
        APP_TASK_BACKEND="redis",
        APP_REDIS_URL=own_redis.url,
    )
    server = start_server(project, "app:app", "-w", "2", env=environment)
    yield server
    server.stop()


def _subscribed_processes(url: str) -> int:
    """How many connections to Redis listen to a pattern: one per process whose rooms
    manager started (a viewer joined there, or it broadcast)."""
    client = redis.Redis.from_url(url)
    try:
        return sum(1 for entry in client.client_list() if int(entry.get("psub", 0)) > 0)
    finally:
        client.close()


async def _listen(viewer: Any, until: float) -> list[str]:
    """Every message ``viewer`` receives before ``until`` (monotonic seconds)."""
    received = []
    while (left := until - time.monotonic()) > 0:
        try:
            received.append(await asyncio.wait_for(viewer.recv(), left))
        except asyncio.TimeoutError:
            break
    return received


async def test_viewers_on_both_workers_get_the_same_snapshots_from_one_aggregator(
    server: Server, own_redis: RedisServer
) -> None:
    url = f"ws://127.0.0.1:{server.port}/ws/dashboards/shop"
    viewers = []
    try:
        # Connections are spread by the kernel; open them until both workers hold some
        # (the worker that does not lead subscribes to Redis only when a viewer joins).
        deadline = time.monotonic() + 30
        while len(viewers) < 6 or _subscribed_processes(own_redis.url) < 2:
            assert time.monotonic() < deadline, "every viewer landed on one worker"
            viewer = await websockets.connect(url)
            await viewer.recv()  # the current state, at once
            viewers.append(viewer)
        assert _subscribed_processes(own_redis.url) == 2

        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=server.url) as client:
            for value in (1, 2, 3):
                points = [{"name": "shop.orders", "value": value}]
                posted = await client.post("/api/metrics", json=points, headers=headers)
                assert posted.status_code == 202
        until = time.monotonic() + LISTEN
        heard = await asyncio.gather(*(_listen(viewer, until) for viewer in viewers))
    finally:
        for viewer in viewers:
            await viewer.close()

    # Every viewer heard the same snapshots, byte for byte, whichever worker it is on.
    common = set.intersection(*(set(messages) for messages in heard))
    snapshots = sorted((json.loads(m) for m in common), key=lambda s: s["tick"])
    ticks = [snapshot["tick"] for snapshot in snapshots]
    # One aggregator: one snapshot per tick (two would send two), numbered in order...
    assert LISTEN / TICK - 2 <= len(snapshots) <= LISTEN / TICK + 1, ticks
    for messages in heard:
        assert len(messages) - len(common) <= 2  # a tick at either edge of the listening
    assert ticks == list(range(ticks[0], ticks[0] + len(ticks)))
    # ...and each point counted once: the three points, not six.
    final = snapshots[-1]["metrics"]["shop.orders"]
    assert (final["count"], final["min"], final["max"], final["mean"]) == (3, 1.0, 3.0, 2.0)
    # ...led by the process holding the lock.
    client = redis.Redis.from_url(own_redis.url)
    try:
        assert client.get("dash:dash:leader") is not None
    finally:
        client.close()
