"""In-process rate limiting: 429 with Retry-After, RateLimit-* headers, refills, keys."""

from __future__ import annotations

import asyncio

import pytest

from gobstopper import Gobstopper, Request
from gobstopper.testing import TestClient
from gobstopper.utils.rate_limiter import RateLimitMiddleware, TokenBucketLimiter, rate_limit


def limited_app(limiter: TokenBucketLimiter) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None)

    @app.post("/login")
    @rate_limit(limiter, key=lambda request: request.client_ip)
    async def login(request: Request):
        return {"ok": True}

    @rate_limit(limiter, key=lambda request: request.headers.get("x-api-key", "anonymous"))
    @app.get("/api")
    async def api():
        return "pong"

    @app.get("/free")
    async def free():
        return "free"

    return app


def test_the_request_after_the_burst_gets_429_with_retry_after() -> None:
    with TestClient(limited_app(TokenBucketLimiter(rate=0.5, capacity=3))) as client:
        for remaining in (2, 1, 0):
            response = client.post("/login")
            assert response.status_code == 200
            assert response.headers["ratelimit-limit"] == "3"
            assert response.headers["ratelimit-remaining"] == str(remaining)
        refused = client.post("/login", headers={"accept": "application/json"})
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "2"
        assert refused.headers["ratelimit-remaining"] == "0"
        assert "Too many requests" in refused.text
        assert client.get("/free").status_code == 200  # unlimited routes are untouched


def test_each_key_has_its_own_bucket() -> None:
    with TestClient(limited_app(TokenBucketLimiter(rate=0.1, capacity=1))) as client:
        assert client.get("/api", headers={"X-Api-Key": "a"}).status_code == 200
        assert client.get("/api", headers={"X-Api-Key": "a"}).status_code == 429
        assert client.get("/api", headers={"X-Api-Key": "b"}).status_code == 200


async def test_buckets_refill_at_the_rate() -> None:
    limiter = TokenBucketLimiter(rate=20, capacity=1)
    assert (await limiter.hit("k")).allowed
    refused = await limiter.hit("k")
    assert not refused.allowed
    assert 0 < refused.retry_after <= 0.05
    await asyncio.sleep(0.06)
    assert (await limiter.hit("k")).allowed


async def test_the_number_of_buckets_is_bounded() -> None:
    limiter = TokenBucketLimiter(rate=1, capacity=1, max_keys=100)
    for number in range(1000):
        await limiter.hit(f"client-{number}")
    assert len(limiter) == 100


@pytest.mark.parametrize(("rate", "capacity"), [(0, 1), (-1, 5), (1, 0)])
def test_invalid_limits_are_refused(rate: float, capacity: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        TokenBucketLimiter(rate=rate, capacity=capacity)


def test_the_middleware_limits_every_request_but_exempt_paths() -> None:
    app = Gobstopper(__name__, static_folder=None)
    limiter = TokenBucketLimiter(rate=0.1, capacity=2)
    app.add_middleware(RateLimitMiddleware(limiter, exempt_paths=("/health",)))

    @app.get("/")
    async def index():
        return "hi"

    @app.get("/health")
    async def health():
        return "up"

    with TestClient(app) as client:
        assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]
        assert client.get("/health").status_code == 200


def test_the_import_path_applications_know_names_the_rate_limit_module_objects() -> None:
    from gobstopper import ratelimit
    from gobstopper.utils import rate_limiter

    assert rate_limiter.__all__ == ratelimit.__all__
    for name in ratelimit.__all__:
        assert getattr(rate_limiter, name) is getattr(ratelimit, name), name
    assert TokenBucketLimiter.__module__ == "gobstopper.ratelimit"
