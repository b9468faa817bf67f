"""The import path of :mod:`gobstopper.ratelimit` that applications know.

>>> from gobstopper.utils.rate_limiter import TokenBucketLimiter, rate_limit

Every name here is the object :mod:`gobstopper.ratelimit` defines.
"""

from ..ratelimit import (
    Limiter,
    RateLimitMiddleware,
    RateLimitResult,
    RedisTokenBucketLimiter,
    TokenBucketLimiter,
    rate_limit,
)

__all__ = [
    "Limiter",
    "RateLimitMiddleware",
    "RateLimitResult",
    "RedisTokenBucketLimiter",
    "TokenBucketLimiter",
    "rate_limit",
]
