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
-- The task ingesting the latest upload; catalogs made before it was kept gain it here.
ALTER TABLE dataset_catalog ADD COLUMN IF NOT EXISTS task_id VARCHAR;
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
    """The DuckDB file at ``path``, shared by the threads of this process and, in turns,
    with other processes.

    DuckDB lets one process at a time open a file. Within a process, connections to one
    file share one database (DuckDB's instance cache), so handlers and task workers work
    side by side. With ``keep_open`` the process opens the file once and keeps it: right
    when no other process uses it (tasks run by the web process), and fastest, since
    opening a DuckDB file costs tens of milliseconds. Without it, the file is opened for
    each unit of work and released as soon as none uses it, so another process (the web
    server while ``run-tasks`` ingests, or the other way round) gets its turn; a process
    waits up to ``wait`` seconds for its turn, then gets :class:`StoreBusy`.
    """

    def __init__(self, path: str, wait: float = 10.0, *, keep_open: bool = False) -> None:
        self.path = path
        self.wait = wait
        self.keep_open = keep_open
        self._kept: duckdb.DuckDBPyConnection | None = None
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

    def _connection(self) -> duckdb.DuckDBPyConnection:
        """A connection of this unit of work's own: a cursor of the kept one, or a new one."""
        if self.keep_open:
            with self._lock:
                if self._kept is None:
                    self._kept = self._open()
                connection = self._kept.cursor()
        else:
            connection = self._open()
        with self._lock:
            if not self._prepared:
                connection.execute(_CATALOG)
                self._prepared = True
            return connection

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the file for one unit of work, closed afterwards (which
        releases the file, unless it is kept open or in use elsewhere in this process)."""
        connection = self._connection()
        try:
            yield connection
        finally:
            connection.close()

    def close(self) -> None:
        """Close a kept connection, letting another process open the file."""
        with self._lock:
            if self._kept is not None:
                self._kept.close()
                self._kept = None


@cache
def settings() -> Config:
    """This process's settings, read once (where uploads go, how large they may be)."""
    return Config.from_env()


@cache
def shared_store() -> AnalyticsStore:
    """This process's store, at the path ``APP_ANALYTICS_DATABASE`` names: kept open
    when the web process runs the tasks itself (``APP_TASK_BACKEND`` sqlite or duckdb),
    taken in turns with the ``run-tasks`` processes otherwise (redis)."""
    config = settings()
    keep_open = config.task_backend != "redis"
    return AnalyticsStore(config.analytics_database, config.analytics_wait, keep_open=keep_open)
