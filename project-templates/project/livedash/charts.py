"""Chart options for ECharts, built with pyecharts from a metric's history.

The page hands the options to ``echarts.setOption`` as they are, so what the chart API
answers is exactly what is drawn: one line for the mean of each bucket and a band from
its minimum to its maximum.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from typing import Any

import msgspec
from pyecharts import options as opts
from pyecharts.charts import Line

from .store import Bucket

__all__ = ["ChartQuery", "chart_options", "chart_query"]

#: The longest history a chart shows, and the most buckets it draws.
MAX_WINDOW = 7 * 86_400.0
MAX_BUCKETS = 2_000


class ChartQuery(msgspec.Struct):
    """``?window=`` seconds of history in ``?bucket=``-second buckets."""

    window: float = 300.0
    bucket: float = 5.0

    def check(self) -> None:
        """Raise ``ValueError`` naming the parameter when the query asks too much."""
        if not 1 <= self.window <= MAX_WINDOW:
            raise ValueError(f"window: between 1 and {MAX_WINDOW:g} seconds, got {self.window:g}")
        if not 0.1 <= self.bucket <= self.window:
            raise ValueError(f"bucket: between 0.1 and window seconds, got {self.bucket:g}")
        if self.window / self.bucket > MAX_BUCKETS:
            raise ValueError(f"bucket: window / bucket exceeds {MAX_BUCKETS} buckets")

    def since(self) -> float:
        """The start of the window, as seconds since the epoch."""
        return time.time() - self.window


def chart_query(args: Mapping[str, str]) -> ChartQuery:
    """The query string's ``window`` and ``bucket``; ``ValueError`` names a bad one."""
    values: dict[str, float] = {}
    for name in ("window", "bucket"):
        text = args.get(name)
        if text is None:
            continue
        try:
            values[name] = float(text)
        except ValueError:
            raise ValueError(f"{name}: expected a number of seconds, got {text!r}") from None
        if not math.isfinite(values[name]):
            raise ValueError(f"{name}: expected a number of seconds, got {text!r}")
    query = ChartQuery(**values)
    query.check()
    return query


def chart_options(metric: str, buckets: list[Bucket]) -> dict[str, Any]:
    """ECharts options drawing ``metric``'s ``buckets``: the mean, the minimum and the
    maximum over time (x values are milliseconds since the epoch, as ECharts' time axis
    takes them)."""
    times = [round(bucket.start * 1000) for bucket in buckets]
    chart = (
        Line(init_opts=opts.InitOpts(animation_opts=opts.AnimationOpts(animation=False)))
        .add_xaxis(times)
        .add_yaxis("mean", [b.mean for b in buckets], is_symbol_show=False)
        .add_yaxis("min", [b.min for b in buckets], is_symbol_show=False)
        .add_yaxis("max", [b.max for b in buckets], is_symbol_show=False)
        .set_series_opts(label_opts=opts.LabelOpts(is_show=False))
        .set_global_opts(
            title_opts=opts.TitleOpts(title=metric),
            tooltip_opts=opts.TooltipOpts(trigger="axis"),
            xaxis_opts=opts.AxisOpts(type_="time"),
            yaxis_opts=opts.AxisOpts(type_="value", is_scale=True),
        )
    )
    return json.loads(chart.dump_options())
