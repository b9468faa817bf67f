"""The hub and page assets each structure wires in: one hub per process for the
one-application structures, one per service for the microservices."""

from __future__ import annotations

import dataclasses
from functools import cache

from gobstopper import Blueprint

from .hub import Hub
from .settings import dash_settings

__all__ = ["page_assets", "service_hub", "shared_hub"]


@cache
def shared_hub() -> Hub:
    """This process's hub, which ingests, aggregates and streams."""
    return Hub(dash_settings())


def service_hub(service: str, *, aggregate: bool, peers: dict[str, str] | None = None) -> Hub:
    """The hub of the service ``service``, which meets the others through Redis (it
    refuses to start without ``APP_DASH_REDIS_URL``); ``aggregate`` lets it lead. The
    page's WebSockets go to ``APP_DASH_STREAM_URL``, else to the ``stream`` peer."""
    settings = dash_settings()
    stream = (peers or {}).get("stream", "")
    if not settings.stream_url and stream.startswith(("http://", "https://")):
        settings = dataclasses.replace(settings, stream_url="ws" + stream.removeprefix("http"))
    return Hub.shared(settings, aggregate=aggregate, service=service)


def page_assets() -> Blueprint:
    """The dashboard page's template and static files (ECharts and the page's script)."""
    return Blueprint("livedash", __name__, static_folder="static", template_folder="templates")
