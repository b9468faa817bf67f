"""Which implementation of the accelerated components runs: Rust or pure Python.

The Rust core (``gobstopper-core``, ``pip install "gobstopper[rust]"``) is used when it is
importable and ``GOBSTOPPER_NO_RUST`` is unset or empty; otherwise the pure-Python
implementations run. Both give identical results; the choice is made once, at import.

>>> from gobstopper.accelerators import implementation
>>> implementation()
'rust 0.1.0'
"""

from __future__ import annotations

import logging
import os
from types import ModuleType

__all__ = ["implementation", "log_implementation", "native", "select"]

logger = logging.getLogger("gobstopper")


def _load() -> tuple[ModuleType | None, str]:
    if os.environ.get("GOBSTOPPER_NO_RUST"):
        return None, "python (GOBSTOPPER_NO_RUST is set)"
    try:
        from . import _core
    except ImportError:
        return None, "python (gobstopper-core is not installed)"
    return _core, f"rust {_core.__version__}"


_NATIVE, _DESCRIPTION = _load()


def native() -> ModuleType | None:
    """The Rust core module, or ``None`` when the pure-Python path is active."""
    return _NATIVE


def select(accelerated: bool | None) -> ModuleType | None:
    """The core a component should use: the process default for ``None``, the Rust core
    for ``True`` (raising the ImportError that names the extra when it is missing, whatever
    ``GOBSTOPPER_NO_RUST`` says), pure Python for ``False``."""
    if accelerated is None:
        return _NATIVE
    if not accelerated:
        return None
    from . import _core

    return _core


def implementation() -> str:
    """A one-line description of the active implementation, for logs and bug reports."""
    return _DESCRIPTION


def log_implementation() -> None:
    """Log, once per process, which implementation serves requests."""
    global _logged
    if not _logged:
        _logged = True
        logger.info("implementation: %s", _DESCRIPTION)


_logged = False
