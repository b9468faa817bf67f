"""The history: raw points in a DuckDB file, kept for the retention period and queried in
time buckets for the chart APIs.

DuckDB lets one process open a file at a time, and several processes use this one (the
web workers answer chart queries, the aggregator writes), so each operation opens the
file, works and closes it, retrying for a moment while another process holds it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import msgspec

from .points import Sample

__all__ = ["Bucket", "MetricStore", "StoreBusy"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS points (
    ts DOUBLE NOT NULL,
    name VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    tags JSON
);
"""


class StoreBusy(RuntimeError):
    """Another process kept the DuckDB file for longer than the wait allows."""


class Bucket(msgspec.Struct, array_like=True):
    """One time bucket of a metric's history: its start and its points' statistics."""

    start: float
    count: int
    mean: float
    min: float
    max: float


class MetricStore:
    """The DuckDB file at ``path`` holding every raw point.

    :param wait: seconds to keep retrying while another process holds the file.
    """

    def __init__(self, path: str, *, wait: float = 5.0) -> None:
        self.path = path
        self.wait = wait
        self._lock = threading.Lock()
        self._ready = False

    @contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        deadline = time.monotonic() + self.wait
        with self._lock:
            if not self._ready:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            while True:
                try:
                    connection = duckdb.connect(self.path)
                    break
                except duckdb.IOException as error:
                    if time.monotonic() > deadline:
                        raise StoreBusy(
                            f"the metrics database {self.path} stays busy: {error}"
                        ) from None
                    time.sleep(0.02)
            try:
                if not self._ready:
                    connection.execute(_SCHEMA)
                    self._ready = True
                yield connection
            finally:
                connection.close()

    def open(self) -> None:
        """Create the file and its table (at startup, so errors show there)."""
        with self._connection():
            pass

    def insert(self, samples: Sequence[Sample]) -> None:
        """Store ``samples``."""
        if not samples:
            return
        rows = [
            (s.ts, s.name, s.value, msgspec.json.encode(s.tags).decode() if s.tags else None)
            for s in samples
        ]
        with self._connection() as connection:
            connection.executemany("INSERT INTO points VALUES (?, ?, ?, ?)", rows)

    def prune(self, before: float) -> int:
        """Delete the points older than ``before``; returns how many went."""
        with self._connection() as connection:
            return connection.execute("DELETE FROM points WHERE ts < ?", [before]).fetchone()[0]

    def count(self) -> int:
        """How many points the history holds."""
        with self._connection() as connection:
            return connection.execute("SELECT count(*) FROM points").fetchone()[0]

    def history(self, metric: str, since: float, bucket: float) -> list[Bucket]:
        """``metric``'s points since ``since`` in ``bucket``-second buckets, oldest first."""
        with self._connection() as connection:
            rows = connection.execute(
                """
                SELECT floor(ts / $bucket) * $bucket AS start, count(*), avg(value),
                       min(value), max(value)
                FROM points WHERE name = $name AND ts >= $since
                GROUP BY start ORDER BY start
                """,
                {"bucket": bucket, "name": metric, "since": since},
            ).fetchall()
        return [Bucket(*row) for row in rows]
