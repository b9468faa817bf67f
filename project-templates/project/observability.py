"""Prometheus metrics and structured JSON logs.

Every request is counted and timed by endpoint (the route's name, never the raw path, so
the number of series stays bounded) and logged as one JSON line. ``/metrics`` serves the
Prometheus text format. Each server process keeps its own counters: scrape every process,
or run one worker per container.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime, timezone
from typing import Any

import msgspec
from gobstopper import Gobstopper, Request, Response
from gobstopper.middleware import CallNext
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

__all__ = ["JsonFormatter", "Metrics", "configure_logging", "install_metrics"]

_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_access_log = logging.getLogger("access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, service, and any
    ``extra={...}`` fields given to the logging call."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "service": self.service,
        }
        entry.update(
            (key, value) for key, value in vars(record).items() if key not in _RECORD_FIELDS
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return msgspec.json.encode(entry, enc_hook=str).decode()


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every log record to stderr as JSON, replacing earlier handlers."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class Metrics:
    """Middleware counting and timing requests into its own registry."""

    def __init__(self, service: str, extra: tuple[CollectorRegistry, ...] = ()) -> None:
        self.registry = CollectorRegistry()
        self.extra = extra
        self.requests = Counter(
            "http_requests",
            "HTTP requests answered, by method, endpoint and status.",
            ["service", "method", "endpoint", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and endpoint.",
            ["service", "method", "endpoint"],
            registry=self.registry,
        )
        self.service = service

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = time.perf_counter() - started
        endpoint = getattr(request, "endpoint", None) or "unmatched"
        status = str(response.status)
        self.requests.labels(self.service, request.method, endpoint, status).inc()
        self.latency.labels(self.service, request.method, endpoint).observe(elapsed)
        _access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={"status": response.status, "duration_ms": round(elapsed * 1000, 3)},
        )
        return response

    def exposition(self) -> Response:
        """The current values (requests, then ``extra``) in the Prometheus text format."""
        body = b"".join(generate_latest(registry) for registry in (self.registry, *self.extra))
        return Response(body, content_type=CONTENT_TYPE_LATEST)


def install_metrics(app: Gobstopper, service: str, *extra: CollectorRegistry) -> Metrics:
    """Measure every request of ``app`` (outermost middleware) and serve ``/metrics``,
    with the metrics of the ``extra`` registries (a feature's own) after them."""
    metrics = Metrics(service, extra)
    app.add_middleware(metrics)

    @app.get("/metrics")
    async def prometheus_metrics() -> Response:
        """Request counts and latency histograms for Prometheus to scrape."""
        return metrics.exposition()

    return metrics
