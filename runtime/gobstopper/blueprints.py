"""Blueprints: groups of routes, hooks and error handlers mounted under a prefix.

>>> api = Blueprint("api", __name__, url_prefix="/api")
>>> @api.get("/status")
... async def status():
...     return {"ok": True}
>>> app.register_blueprint(api)          # GET /api/status, endpoint "api.status"

Hooks and error handlers registered on a blueprint apply to its own routes (and those of
blueprints nested in it), after the application's.
"""

from __future__ import annotations

from .scaffold import Scaffold

__all__ = ["Blueprint"]


class Blueprint(Scaffold):
    """A reusable set of routes; see the module docs for an example."""

    def __init__(self, name: str, import_name: str, url_prefix: str | None = None) -> None:
        if not name or "." in name:
            raise ValueError(f"blueprint name {name!r} must be non-empty and contain no '.'")
        if url_prefix is not None and url_prefix and not url_prefix.startswith("/"):
            raise ValueError(f"url_prefix {url_prefix!r} must start with '/'")
        super().__init__(import_name)
        self.name = name
        self.url_prefix = url_prefix

    def __repr__(self) -> str:
        return f"<Blueprint {self.name!r}>"
