"""Import the application a command names (``module:attribute`` or ``file.py``)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .run import RunError, resolve_app_target

if TYPE_CHECKING:
    from ..app import Gobstopper

__all__ = ["load_app"]


def load_app(target: str | None, directory: Path) -> Gobstopper:
    """The :class:`~gobstopper.Gobstopper` object ``target`` names, imported with
    ``directory`` on the import path; anything else raises :class:`RunError`."""
    from ..app import Gobstopper

    resolved = resolve_app_target(target, directory)
    module_name, _, attribute = resolved.partition(":")
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise RunError(
            f"importing {module_name!r} failed: {type(error).__name__}: {error}"
        ) from error
    app = getattr(module, attribute, None)
    if not isinstance(app, Gobstopper):
        raise RunError(f"{resolved} is not a Gobstopper application (got {type(app).__name__})")
    return app
