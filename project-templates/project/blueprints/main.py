"""The service's front page; add routes here or in new modules of this package."""

from __future__ import annotations

from gobstopper import Blueprint

from config import PROJECT_NAME

bp = Blueprint("main", __name__)


@bp.get("/")
async def index() -> dict[str, str]:
    """Names the service."""
    return {"service": PROJECT_NAME}
