"""The built-in collector: the host's CPU and memory use and the application's own
request rate, sampled each tick so a fresh project shows live data with no set-up."""

from __future__ import annotations

import psutil
from gobstopper import Request, Response
from gobstopper.middleware import CallNext

from .points import Sample

__all__ = ["RequestCounter", "host_samples", "request_rate"]


class RequestCounter:
    """Middleware counting the HTTP requests this process serves (WebSocket
    connections are not requests and are not counted)."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        self.count += 1
        return await call_next(request)

    def take(self) -> int:
        """The requests counted since the last call."""
        taken, self.count = self.count, 0
        return taken


def host_samples(now: float) -> list[Sample]:
    """The host's CPU use (percent since the previous call) and memory use (percent)."""
    return [
        Sample(now, "host.cpu", psutil.cpu_percent(interval=None)),
        Sample(now, "host.memory", psutil.virtual_memory().percent),
    ]


def request_rate(now: float, requests: int, seconds: float) -> Sample:
    """The application's requests per second over the last ``seconds``."""
    return Sample(now, "host.requests", requests / seconds)
