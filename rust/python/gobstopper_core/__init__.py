"""Rust accelerators for Gobstopper; import them through ``gobstopper._core``."""

from ._native import Router, StaticFiles, TemplateEngine, TemplateError, __version__

__all__ = ["Router", "StaticFiles", "TemplateEngine", "TemplateError", "__version__"]
