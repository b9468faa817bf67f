"""The ``core`` service: the project's own routes, reached through the gateway at
``/core/...``."""

from __future__ import annotations

from factory import create_app

app = create_app("core")


@app.get("/")
async def index() -> dict[str, str]:
    """The service's own routes go here, below the probes ``create_app`` adds."""
    return {"service": "core"}
