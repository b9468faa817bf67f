"""Routes of the ``main`` feature."""

from __future__ import annotations

from gobstopper import Blueprint

from .models import About
from .services import about

bp = Blueprint("main", __name__)


@bp.get("/")
async def index() -> About:
    """Names the service and its features."""
    return about()
