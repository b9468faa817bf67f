"""The rolling window: each metric's points of the last N seconds and their statistics.

The aggregator owns one window and computes every metric's statistics once per tick;
each dashboard's snapshot is then a selection of them, the same bytes for every viewer.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Iterable

import msgspec

from .points import Sample, dashboard_of

__all__ = ["RollingWindow", "Snapshot", "Stats", "percentile"]

logger = logging.getLogger(__name__)


class Stats(msgspec.Struct):
    """One metric over the window: how many points, their mean, extremes, median, 95th
    percentile and the latest value."""

    count: int
    mean: float
    min: float
    max: float
    p50: float
    p95: float
    last: float


class Snapshot(msgspec.Struct):
    """What a dashboard's viewers receive each tick: the statistics of its metrics."""

    dashboard: str
    tick: int
    ts: float
    window: float
    metrics: dict[str, Stats]


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of the non-empty, sorted ``ordered`` (0 < fraction ≤ 1)."""
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


class RollingWindow:
    """Points of the last ``seconds`` per metric, at most ``max_points`` each and
    ``max_metrics`` metrics (beyond them, new metrics wait until old ones empty out)."""

    def __init__(
        self, seconds: float, *, max_points: int = 100_000, max_metrics: int = 1_000
    ) -> None:
        self.seconds = seconds
        self.max_points = max_points
        self.max_metrics = max_metrics
        self._series: dict[str, tuple[list[float], list[float]]] = {}
        self._latest: dict[str, tuple[float, float]] = {}

    def add(self, samples: Iterable[Sample], now: float) -> None:
        """Take ``samples`` in; ones already older than the window only go to history."""
        cutoff = now - self.seconds
        for sample in samples:
            if sample.ts < cutoff:
                continue
            series = self._series.get(sample.name)
            if series is None:
                if len(self._series) >= self.max_metrics:
                    logger.warning(
                        "window full (%d metrics): %r waits", self.max_metrics, sample.name
                    )
                    continue
                series = self._series[sample.name] = ([], [])
            stamps, values = series
            at = bisect.bisect_right(stamps, sample.ts)
            stamps.insert(at, sample.ts)
            values.insert(at, sample.value)
            if len(stamps) > self.max_points:
                del stamps[0], values[0]
            latest = self._latest.get(sample.name)
            if latest is None or sample.ts >= latest[0]:
                self._latest[sample.name] = (sample.ts, sample.value)

    def stats(self, now: float) -> dict[str, Stats]:
        """Drop what fell out of the window, then every remaining metric's statistics."""
        cutoff = now - self.seconds
        result: dict[str, Stats] = {}
        for name in list(self._series):
            stamps, values = self._series[name]
            keep_from = bisect.bisect_left(stamps, cutoff)
            if keep_from:
                del stamps[:keep_from], values[:keep_from]
            if not stamps:
                del self._series[name], self._latest[name]
                continue
            ordered = sorted(values)
            result[name] = Stats(
                count=len(ordered),
                mean=math.fsum(ordered) / len(ordered),
                min=ordered[0],
                max=ordered[-1],
                p50=percentile(ordered, 0.5),
                p95=percentile(ordered, 0.95),
                last=self._latest[name][1],
            )
        return result

    def snapshots(
        self, stats: dict[str, Stats], tick: int, now: float, watched: Iterable[str] = ()
    ) -> dict[str, Snapshot]:
        """One snapshot per dashboard (a metric's first word) of the tick's ``stats``, and
        an empty one for each ``watched`` dashboard that has no metrics yet."""
        grouped: dict[str, dict[str, Stats]] = {name: {} for name in watched}
        for name in sorted(stats):
            grouped.setdefault(dashboard_of(name), {})[name] = stats[name]
        return {
            dashboard: Snapshot(dashboard, tick, now, self.seconds, metrics)
            for dashboard, metrics in grouped.items()
        }
