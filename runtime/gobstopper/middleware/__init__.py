"""Middleware: the interface, and the middleware Gobstopper ships."""

from .base import CallNext, Middleware, build_chain
from .static import StaticFileMiddleware

__all__ = ["CallNext", "Middleware", "StaticFileMiddleware", "build_chain"]
