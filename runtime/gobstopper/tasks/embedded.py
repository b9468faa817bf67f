"""Which embedded store a task database path gets: SQLite, unless the file is DuckDB's.

SQLite is the default: it commits a batch in tens of microseconds and lets several
processes share one file. A path ending in ``.duckdb`` keeps the DuckDB store (extra
``tasks``), so task files made before SQLite became the default keep working.
"""

from __future__ import annotations

import os

from .queue import TaskStore

__all__ = ["embedded_store", "is_duckdb_path"]


def is_duckdb_path(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a DuckDB task file (it ends in ``.duckdb``)."""
    return os.fspath(path).lower().endswith(".duckdb")


def embedded_store(path: str | os.PathLike[str]) -> TaskStore:
    """The store for the task database ``path``: DuckDB for ``*.duckdb``, else SQLite."""
    if is_duckdb_path(path):
        from .duckdb_store import DuckDBTaskStore

        return DuckDBTaskStore(path)
    from .sqlite_store import SQLiteTaskStore

    return SQLiteTaskStore(path)
