"""URL rules, path converters and the router."""

from .converters import CONVERTERS, Converter
from .router import BuildError, Router, Rule

__all__ = ["CONVERTERS", "BuildError", "Converter", "Router", "Rule"]
