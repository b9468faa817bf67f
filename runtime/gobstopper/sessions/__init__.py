"""Server-side sessions: ``request.session``, signed cookies and pluggable stores.

:class:`RedisSessionStore` (extra ``redis``) and :class:`PostgresSessionStore` (extra
``postgres``) are imported on first use, so the package works without those clients.
"""

from typing import Any

from .base import SessionStore
from .file import FileSessionStore
from .memory import MemorySessionStore
from .middleware import SessionMiddleware
from .session import Session

__all__ = [
    "FileSessionStore",
    "MemorySessionStore",
    "PostgresSessionStore",
    "RedisSessionStore",
    "Session",
    "SessionMiddleware",
    "SessionStore",
]


def __getattr__(name: str) -> Any:
    if name == "RedisSessionStore":
        from .redis import RedisSessionStore

        return RedisSessionStore
    if name == "PostgresSessionStore":
        from .postgres import PostgresSessionStore

        return PostgresSessionStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
