"""Middleware: the interface, and the middleware Gobstopper ships."""

from .base import CallNext, Middleware, build_chain

__all__ = ["CallNext", "Middleware", "build_chain"]
