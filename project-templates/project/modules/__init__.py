"""Feature modules: every package here is one feature, found and registered at startup.

A feature ``modules/<name>/`` keeps its routes (``routes.py`` with a ``bp`` blueprint),
models (``models.py``), services (``services.py``) and tasks (``tasks.py``) together.
``gobstopper generate`` creates them; nothing to edit in ``app.py``.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from gobstopper import Gobstopper

__all__ = ["register_modules"]


def register_modules(app: Gobstopper) -> None:
    """Import every feature's routes and tasks and register its blueprint, in name order."""
    for feature in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if not feature.ispkg:
            continue
        package = f"{__name__}.{feature.name}"
        routes = importlib.import_module(f"{package}.routes")
        if importlib.util.find_spec(f"{package}.tasks") is not None:
            importlib.import_module(f"{package}.tasks")
        app.register_blueprint(routes.bp)
