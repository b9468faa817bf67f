"""Rust accelerators for Gobstopper; import them through ``gobstopper._core``."""

from ._native import Router, __version__

__all__ = ["Router", "__version__"]
