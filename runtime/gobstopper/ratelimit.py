"""Rate limiting with token buckets: in this process, or shared through Redis.

>>> limiter = TokenBucketLimiter(rate=5, capacity=10)      # 5 requests/s, bursts of 10
>>> @app.post("/login")
... @rate_limit(limiter, key=lambda request: request.client_ip)
... async def login(request: Request): ...

A request over the limit gets 429 with ``Retry-After``; every limited response carries
``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds until the
bucket is full again). With several workers or machines use
:class:`RedisTokenBucketLimiter`, so they all draw on one budget; if Redis is away the
request gets a 503 rather than going unlimited.

Applications import it as ``gobstopper.utils.rate_limiter``, the path Gobstopper has
always documented, or as ``gobstopper.ratelimit``: both name this module's objects.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .callplan import add_call_wrapper
from .http.errors import HTTPException
from .http.results import to_response
from .openapi.markers import TOO_MANY_REQUESTS, declare_refusal

if TYPE_CHECKING:
    from .callplan import HandlerCall
    from .http.request import Request
    from .http.response import Response
    from .middleware.base import CallNext

__all__ = [
    "Limiter",
    "RateLimitMiddleware",
    "RateLimitResult",
    "RedisTokenBucketLimiter",
    "TokenBucketLimiter",
    "rate_limit",
]

F = TypeVar("F", bound=Callable[..., Any])
KeyFunction = Callable[["Request"], str]


@dataclass(frozen=True, slots=True)
class RateLimitResult:
    """The outcome of one check."""

    allowed: bool
    limit: int
    remaining: int
    #: Seconds until the request could pass (0 when it passed).
    retry_after: float
    #: Seconds until the bucket is full again.
    reset_after: float

    def headers(self) -> dict[str, str]:
        """The ``RateLimit-*`` headers (and ``Retry-After`` when refused)."""
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(math.ceil(self.reset_after)),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, math.ceil(self.retry_after)))
        return headers


class Limiter(Protocol):
    """What :func:`rate_limit` needs: an async check per key."""

    async def hit(self, key: str, cost: int = 1) -> RateLimitResult: ...


def _validate(rate: float, capacity: int) -> None:
    if rate <= 0:
        raise ValueError(f"rate must be positive (tokens per second), got {rate}")
    if capacity < 1:
        raise ValueError(f"capacity must be at least 1, got {capacity}")


def _result(tokens: float, allowed: bool, rate: float, capacity: int, cost: int) -> RateLimitResult:
    return RateLimitResult(
        allowed=allowed,
        limit=capacity,
        remaining=max(0, int(tokens)),
        retry_after=0.0 if allowed else (cost - tokens) / rate,
        reset_after=(capacity - tokens) / rate,
    )


class TokenBucketLimiter:
    """Buckets of ``capacity`` tokens refilled at ``rate`` tokens per second, one per key,
    in this process. At most ``max_keys`` buckets are kept (least recently used go
    first, which only ever makes a limit more lenient)."""

    def __init__(self, rate: float, capacity: int, *, max_keys: int = 100_000) -> None:
        _validate(rate, capacity)
        self.rate = float(rate)
        self.capacity = capacity
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def hit(self, key: str, cost: int = 1) -> RateLimitResult:
        """Take ``cost`` tokens from ``key``'s bucket if it has them."""
        now = time.monotonic()
        buckets = self._buckets
        state = buckets.pop(key, None)
        if state is None:
            tokens = float(self.capacity)
        else:
            tokens = min(self.capacity, state[0] + (now - state[1]) * self.rate)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        buckets[key] = (tokens, now)
        if len(buckets) > self.max_keys:
            buckets.popitem(last=False)
        return _result(tokens, allowed, self.rate, self.capacity, cost)

    def __len__(self) -> int:
        """How many buckets are kept."""
        return len(self._buckets)


# One atomic step on the server, timed by the server's clock: refill, take, store.
_TOKEN_BUCKET_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
end
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""


class RedisTokenBucketLimiter:
    """The same buckets kept in Redis, so every worker and machine shares one budget.

    Each check is one script run atomically by Redis on its own clock; buckets expire
    once they would be full again.
    """

    def __init__(
        self,
        rate: float,
        capacity: int,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "gobstopper:ratelimit:",
        timeout: float = 2.0,
    ) -> None:
        from .backends.looplocal import LoopLocal
        from .backends.redis import RedisClient, redis_unavailable

        _validate(rate, capacity)
        self.rate = float(rate)
        self.capacity = capacity
        self.prefix = prefix
        self._unavailable = redis_unavailable
        self._redis = RedisClient(url, timeout=timeout)
        self._scripts: LoopLocal[Any] = LoopLocal(
            lambda: self._redis.get().register_script(_TOKEN_BUCKET_SCRIPT)
        )

    async def hit(self, key: str, cost: int = 1) -> RateLimitResult:
        """Take ``cost`` tokens from ``key``'s shared bucket if it has them."""
        with self._unavailable("the Redis rate limiter"):
            allowed, tokens = await self._scripts.get()(
                keys=[self.prefix + key], args=[self.rate, self.capacity, cost]
            )
        return _result(float(tokens), bool(allowed), self.rate, self.capacity, cost)

    async def aclose(self) -> None:
        """Close this process's connection (register as a shutdown hook)."""
        self._scripts.take()
        await self._redis.aclose()


def _client_ip(request: Request) -> str:
    return request.client_ip


async def _check(limiter: Limiter, key: str, cost: int) -> RateLimitResult:
    result = await limiter.hit(key, cost)
    if not result.allowed:
        raise HTTPException(
            429,
            f"Too many requests: retry in {max(1, math.ceil(result.retry_after))} s.",
            headers=result.headers(),
        )
    return result


def rate_limit(
    limiter: Limiter, key: KeyFunction = _client_ip, *, cost: int = 1
) -> Callable[[F], F]:
    """Limit a handler: each request takes ``cost`` tokens from the bucket of
    ``key(request)`` (the client's IP address by default)."""

    def wrap(call: HandlerCall) -> HandlerCall:
        async def limited(request: Request, params: dict[str, Any]) -> Response:
            result = await _check(limiter, key(request), cost)
            response = to_response(await call(request, params))
            response.headers.update(result.headers())
            return response

        return limited

    def decorator(view: F) -> F:
        add_call_wrapper(view, wrap)
        declare_refusal(view, TOO_MANY_REQUESTS)
        return view

    return decorator


class RateLimitMiddleware:
    """Limit every request (but ``exempt_paths`` prefixes) with one limiter."""

    def __init__(
        self,
        limiter: Limiter,
        key: KeyFunction = _client_ip,
        *,
        cost: int = 1,
        exempt_paths: tuple[str, ...] = (),
    ) -> None:
        self.limiter = limiter
        self.key = key
        self.cost = cost
        self.exempt_paths = exempt_paths

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        if self.exempt_paths and request.path.startswith(self.exempt_paths):
            return await call_next(request)
        result = await _check(self.limiter, self.key(request), self.cost)
        response = await call_next(request)
        response.headers.update(result.headers())
        return response
