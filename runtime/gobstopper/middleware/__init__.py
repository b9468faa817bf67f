"""Middleware: the interface, and the middleware Gobstopper ships."""

from ..security.csrf import CSRFMiddleware
from ..security.headers import SecurityMiddleware
from ..sessions.middleware import SessionMiddleware
from .base import CallNext, Middleware, build_chain
from .cors import CORSMiddleware
from .static import StaticFileMiddleware

__all__ = [
    "CORSMiddleware",
    "CSRFMiddleware",
    "CallNext",
    "Middleware",
    "SecurityMiddleware",
    "SessionMiddleware",
    "StaticFileMiddleware",
    "build_chain",
]
