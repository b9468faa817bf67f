"""Metric points as clients post them: one point or a batch, checked by msgspec.

A point is ``{"name": "orders.placed", "value": 3, "tags": {"shop": "north"}, "ts": ...}``
with ``tags`` and ``ts`` (seconds since the epoch, now when left out) optional. Names
are dotted lowercase words; the first word names the dashboard that shows the metric.
"""

from __future__ import annotations

import re
import time
from typing import Annotated

import msgspec

__all__ = [
    "NAME_PATTERN",
    "Accepted",
    "Point",
    "PointError",
    "Sample",
    "dashboard_of",
    "is_metric_name",
    "samples_of",
]

#: Dotted lowercase words: ``host.cpu``, ``orders.placed``.
NAME_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"

Name = Annotated[str, msgspec.Meta(pattern=NAME_PATTERN, max_length=100)]
TagText = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Tags = Annotated[dict[TagText, TagText], msgspec.Meta(max_length=16)]
#: From 2001 to 2100: a timestamp in milliseconds or a typo is refused, not stored.
Timestamp = Annotated[float, msgspec.Meta(ge=1e9, le=4.1e9)]


class Point(msgspec.Struct, forbid_unknown_fields=True):
    """One measurement of the metric ``name``."""

    name: Name
    value: float
    tags: Tags | None = None
    ts: Timestamp | None = None


class Sample(msgspec.Struct, array_like=True, frozen=True):
    """A point as the aggregator keeps it: when, which metric, what value, which tags."""

    ts: float
    name: str
    value: float
    tags: dict[str, str] = {}


class Accepted(msgspec.Struct):
    """How many points an ingest request stored."""

    accepted: int


class PointError(ValueError):
    """A batch msgspec accepted but the dashboard cannot: empty, or over the limit."""


def samples_of(points: Point | list[Point], max_batch: int) -> list[Sample]:
    """The posted ``points`` as samples stamped ``now`` where they carry no ``ts``.

    Raises :class:`PointError` for an empty or oversized batch (msgspec has checked each
    point, and refuses numbers out of range such as ``1e999``).
    """
    batch = points if isinstance(points, list) else [points]
    if not batch:
        raise PointError("$: a batch needs at least one point")
    if len(batch) > max_batch:
        raise PointError(f"$: a batch holds at most {max_batch} points, got {len(batch)}")
    now = time.time()
    return [
        Sample(now if point.ts is None else point.ts, point.name, point.value, point.tags or {})
        for point in batch
    ]


def is_metric_name(text: str) -> bool:
    """Whether ``text`` is a metric name points may carry."""
    return len(text) <= 100 and re.match(NAME_PATTERN, text) is not None


def dashboard_of(metric: str) -> str:
    """The dashboard that shows ``metric``: its first word (``host.cpu`` → ``host``)."""
    return metric.partition(".")[0]
