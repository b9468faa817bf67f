"""The Redis token bucket against a real Redis: one atomic budget, and a 503 while Redis
is away."""

from __future__ import annotations

import asyncio
import uuid

from gobstopper import Gobstopper
from gobstopper.testing import AsyncTestClient
from gobstopper.utils.rate_limiter import RedisTokenBucketLimiter, rate_limit

from ..backends import RedisServer, recovered


async def test_concurrent_checks_never_overspend_the_budget(redis_url: str) -> None:
    limiter = RedisTokenBucketLimiter(
        rate=0.001, capacity=50, url=redis_url, prefix=f"test:{uuid.uuid4().hex}:"
    )
    results = await asyncio.gather(*(limiter.hit("shared") for _ in range(200)))
    assert sum(result.allowed for result in results) == 50
    refused = [result for result in results if not result.allowed]
    assert all(result.remaining == 0 and result.retry_after > 0 for result in refused)
    await limiter.aclose()


async def test_buckets_refill_on_the_servers_clock(redis_url: str) -> None:
    limiter = RedisTokenBucketLimiter(
        rate=20, capacity=2, url=redis_url, prefix=f"test:{uuid.uuid4().hex}:"
    )
    assert [(await limiter.hit("k")).allowed for _ in range(3)] == [True, True, False]
    await asyncio.sleep(0.12)
    assert (await limiter.hit("k")).allowed
    await limiter.aclose()


async def test_redis_going_away_gives_503_then_recovers(own_redis: RedisServer) -> None:
    limiter = RedisTokenBucketLimiter(rate=100, capacity=100, url=own_redis.url)
    app = Gobstopper(__name__, static_folder=None)

    @app.get("/")
    @rate_limit(limiter)
    async def index():
        return {"ok": True}

    async with AsyncTestClient(app) as client:
        assert (await client.get("/")).status_code == 200
        own_redis.stop()
        down = await asyncio.wait_for(client.get("/"), 15)
        assert down.status_code == 503
        assert "Redis rate limiter is unavailable" in down.text
        own_redis.start()
        back = await recovered(lambda: client.get("/"))
        assert back.headers["ratelimit-limit"] == "100"
    await limiter.aclose()
