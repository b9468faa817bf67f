"""The analytical store: one DuckDB file holding the ingested data sets and a catalog
of their status, shared by the request handlers and task workers of one process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb

from config import Config

__all__ = ["AnalyticsStore", "StoreBusy", "quote", "settings", "shared_store"]

_CATALOG = """
CREATE SCHEMA IF NOT EXISTS datasets;
CREATE TABLE IF NOT EXISTS dataset_catalog (
    name VARCHAR PRIMARY KEY,
    status VARCHAR NOT NULL,
    rows BIGINT,
    columns JSON,
    error VARCHAR,
    updated_at TIMESTAMP NOT NULL
);
"""


class StoreBusy(RuntimeError):
    """The DuckDB file is open in another process (DuckDB allows one per file)."""


def quote(identifier: str) -> str:
    """``identifier`` as a quoted SQL identifier; callers check names first, this keeps
    even a checked name from ending the quotes."""
    return '"' + identifier.replace('"', '""') + '"'


class AnalyticsStore:
    """One process's connection to the DuckDB file at ``path``, opened on first use.

    DuckDB lets one process open a file for writing, so every thread of this process
    (handlers, task workers) shares this connection, each through its own cursor, and a
    second process gets :class:`StoreBusy` naming the file instead of a lock error.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._connection is None:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                try:
                    connection = duckdb.connect(self.path)
                except duckdb.IOException as error:
                    raise StoreBusy(
                        f"the analytics database {self.path} is open in another process; "
                        "one process may open a DuckDB file: give each its own "
                        f"APP_ANALYTICS_DATABASE or serve them from one process ({error})"
                    ) from None
                connection.execute(_CATALOG)
                self._connection = connection
            return self._connection

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of this process's connection, closed afterwards."""
        cursor = self._connect().cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def close(self) -> None:
        """Close the connection, letting another process open the file."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


@cache
def settings() -> Config:
    """This process's settings, read once (where uploads go, how large they may be)."""
    return Config.from_env()


@cache
def shared_store() -> AnalyticsStore:
    """This process's store, at the path ``APP_ANALYTICS_DATABASE`` names."""
    return AnalyticsStore(settings().analytics_database)
