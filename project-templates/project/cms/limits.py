"""The sign-in limits: per address and per account, kept in Redis when the project has
Redis, so every worker and service spends one budget; in this process otherwise.

Redis is used when ``APP_REDIS_URL`` is set or the session store is Redis
(``APP_SESSION_BACKEND=redis``). Buckets refill at 5 a minute; an address may try 10
times at once (it may be an office behind one address), an account 5.
"""

from __future__ import annotations

import os

from gobstopper.ratelimit import Limiter, RedisTokenBucketLimiter, TokenBucketLimiter

from config import SERVICE_NAME, Config

__all__ = ["ACCOUNT_CAPACITY", "ADDRESS_CAPACITY", "REFILL_RATE", "login_limiters", "shared_url"]

#: Tokens a second: 5 a minute.
REFILL_RATE = 5 / 60
ADDRESS_CAPACITY = 10
ACCOUNT_CAPACITY = 5


def shared_url(config: Config) -> str | None:
    """The Redis that keeps the limits, or ``None`` when this process keeps them."""
    if os.environ.get("APP_REDIS_URL") or config.session_backend == "redis":
        return config.redis_url
    return None


def login_limiters(redis_url: str | None) -> tuple[Limiter, Limiter]:
    """The per-address and per-account limiters, shared through ``redis_url`` if given."""
    if redis_url is None:
        return (
            TokenBucketLimiter(rate=REFILL_RATE, capacity=ADDRESS_CAPACITY),
            TokenBucketLimiter(rate=REFILL_RATE, capacity=ACCOUNT_CAPACITY),
        )
    prefix = f"{SERVICE_NAME}:cms:login:"
    return (
        RedisTokenBucketLimiter(
            REFILL_RATE, ADDRESS_CAPACITY, redis_url, prefix=f"{prefix}address:"
        ),
        RedisTokenBucketLimiter(
            REFILL_RATE, ACCOUNT_CAPACITY, redis_url, prefix=f"{prefix}account:"
        ),
    )
