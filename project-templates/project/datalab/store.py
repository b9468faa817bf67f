"""The analytical store: one DuckDB file holding the ingested data sets and a catalog
of their status, shared by the web processes and the task workers, in one process or in
several (``gobstopper run-tasks`` beside ``gobstopper run``)."""

from __future__ import annotations

import threading
import time
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
#: The first and the longest pause between two tries to open a file another process holds.
_FIRST_PAUSE, _LONGEST_PAUSE = 0.005, 0.1


class StoreBusy(RuntimeError):
    """Another process kept the DuckDB file for longer than this one would wait."""


def quote(identifier: str) -> str:
    """``identifier`` as a quoted SQL identifier; callers check names first, this keeps
    even a checked name from ending the quotes."""
    return '"' + identifier.replace('"', '""') + '"'


def _locked_by_another_process(error: duckdb.IOException) -> bool:
    return "lock" in str(error).lower()


class AnalyticsStore:
    """The DuckDB file at ``path``, opened for each unit of work and closed after it.

    DuckDB lets one process at a time open a file. Within a process, connections to one
    file share one database (DuckDB's instance cache), so handlers and task workers of a
    process work side by side; the file is released as soon as none of them uses it.
    Another process (the web server while ``run-tasks`` ingests, or the other way round)
    waits for its turn, up to ``wait`` seconds, then gets :class:`StoreBusy`.
    """

    def __init__(self, path: str, wait: float = 10.0) -> None:
        self.path = path
        self.wait = wait
        self._prepared = False
        self._lock = threading.Lock()

    def _open(self) -> duckdb.DuckDBPyConnection:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.wait
        pause = _FIRST_PAUSE
        while True:
            try:
                return duckdb.connect(self.path)
            except duckdb.IOException as error:
                if not _locked_by_another_process(error):
                    raise
                if time.monotonic() + pause > deadline:
                    raise StoreBusy(
                        f"the analytics database {self.path} stayed open in another process "
                        f"for more than {self.wait:g} s (APP_ANALYTICS_WAIT): "
                        f"{str(error).splitlines()[0]}"
                    ) from None
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the file for one unit of work, closed (and the file released,
        unless this process still uses it elsewhere) afterwards."""
        connection = self._open()
        try:
            with self._lock:
                if not self._prepared:
                    connection.execute(_CATALOG)
                    self._prepared = True
            yield connection
        finally:
            connection.close()


@cache
def settings() -> Config:
    """This process's settings, read once (where uploads go, how large they may be)."""
    return Config.from_env()


@cache
def shared_store() -> AnalyticsStore:
    """This process's store, at the path ``APP_ANALYTICS_DATABASE`` names."""
    config = settings()
    return AnalyticsStore(config.analytics_database, config.analytics_wait)
