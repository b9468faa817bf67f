"""The dashboard's settings, read once from the environment with typed defaults.

``APP_DASH_TICK`` (seconds between snapshots, 1), ``APP_DASH_WINDOW`` (seconds the
rolling statistics cover, 60), ``APP_DASH_RETENTION`` (seconds raw points are kept, one
day), ``APP_DASH_DATABASE`` (the DuckDB file of raw points), ``APP_DASH_REDIS_URL``
(unset: one process; set: rooms, ingest and the aggregator's leadership go through
Redis), ``APP_DASH_COLLECTOR`` (``on``/``off``: sample the host), ``APP_DASH_MAX_BATCH``
(points per request, 1000), ``APP_DASH_STREAM_URL`` (where the page's WebSockets
connect when another service serves them) and ``APP_DASH_REDIS_PREFIX`` (the Redis keys
and channels of this deployment, ``<package>:dash:``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import cache

from config import SERVICE_NAME

__all__ = ["DashSettings", "dash_settings"]


def _seconds(name: str, default: float, low: float, high: float) -> float:
    text = os.environ.get(name) or str(default)
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number of seconds") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name}={text!r} must be between {low:g} and {high:g} seconds")
    return value


def _count(name: str, default: int, high: int) -> int:
    text = os.environ.get(name) or str(default)
    if not text.isdigit() or not 1 <= int(text) <= high:
        raise ValueError(f"{name}={text!r} must be a whole number from 1 to {high}")
    return int(text)


def _switch(name: str, default: str) -> bool:
    value = (os.environ.get(name) or default).lower()
    if value not in ("on", "off"):
        raise ValueError(f"{name}={value!r} is not one of on, off")
    return value == "on"


@dataclass(frozen=True, slots=True)
class DashSettings:
    """How often snapshots go out, what they cover and how long history is kept."""

    tick: float
    window: float
    retention: float
    database: str
    redis_url: str
    collector: bool
    max_batch: int
    stream_url: str
    redis_prefix: str

    @property
    def max_body_bytes(self) -> int:
        """Largest ingest body: room for ``max_batch`` points with a few tags each."""
        return 512 * self.max_batch

    @classmethod
    def from_env(cls) -> DashSettings:
        """Read the ``APP_DASH_*`` variables; unset ones take the defaults."""
        data_dir = os.environ.get("APP_DATA_DIR") or "var"
        tick = _seconds("APP_DASH_TICK", 1.0, 0.05, 60.0)
        return cls(
            tick=tick,
            window=_seconds("APP_DASH_WINDOW", 60.0, tick, 86_400.0),
            retention=_seconds("APP_DASH_RETENTION", 86_400.0, 60.0, 366 * 86_400.0),
            database=os.environ.get("APP_DASH_DATABASE")
            or f"{data_dir}/{SERVICE_NAME}.metrics.duckdb",
            redis_url=os.environ.get("APP_DASH_REDIS_URL", ""),
            collector=_switch("APP_DASH_COLLECTOR", "on"),
            max_batch=_count("APP_DASH_MAX_BATCH", 1000, 100_000),
            stream_url=os.environ.get("APP_DASH_STREAM_URL", "").rstrip("/"),
            redis_prefix=os.environ.get("APP_DASH_REDIS_PREFIX") or f"{SERVICE_NAME}:dash:",
        )


@cache
def dash_settings() -> DashSettings:
    """This process's dashboard settings, read once."""
    return DashSettings.from_env()
