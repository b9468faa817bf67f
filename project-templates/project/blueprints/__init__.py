"""The application's blueprints: every module here with a ``bp`` is registered.

Add a module (``gobstopper generate endpoint`` does) and its routes are served; nothing
to edit in ``app.py``.
"""

from __future__ import annotations

import importlib
import pkgutil

from gobstopper import Blueprint, Gobstopper

__all__ = ["register_blueprints"]


def register_blueprints(app: Gobstopper) -> None:
    """Register the ``bp`` of every module of this package, in name order."""
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        blueprint = getattr(module, "bp", None)
        if isinstance(blueprint, Blueprint):
            app.register_blueprint(blueprint)
