"""Logic of the ``main`` feature, kept out of the route handlers."""

from __future__ import annotations

import pkgutil

import modules
from config import PROJECT_NAME

from .models import About


def about() -> About:
    """The service's name and its feature modules."""
    features = sorted(info.name for info in pkgutil.iter_modules(modules.__path__) if info.ispkg)
    return About(service=PROJECT_NAME, features=features)
