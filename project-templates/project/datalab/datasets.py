"""Data sets: uploads (CSV or Parquet) ingested into the analytical store, with their
status, row count, schema and the error of a failed ingest kept in its catalog."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import msgspec

from .store import AnalyticsStore, quote

__all__ = [
    "Column",
    "Dataset",
    "IngestError",
    "Ingested",
    "Queued",
    "check_name",
    "columns_of",
    "find",
    "ingest",
    "list_all",
    "mark_pending",
    "upload_format",
    "upload_path",
]

#: A data set's name: it names a table, so it is checked before it reaches any SQL.
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
#: A column a data set may have: one that analytics parameters can name.
COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
FORMATS = {".csv": "csv", ".parquet": "parquet"}
_READERS = {
    # A header row, commas and strict parsing: a ragged file fails instead of being guessed.
    "csv": "read_csv(?, header = true, delim = ',', strict_mode = true, null_padding = false)",
    "parquet": "read_parquet(?)",
}


class Column(msgspec.Struct):
    """A column of a data set: its name and DuckDB type."""

    name: str
    type: str


class Dataset(msgspec.Struct):
    """What the catalog knows about a data set. ``rows`` and ``columns`` describe the data
    being served, which a failed ingest leaves as it was; ``status`` and ``error`` tell how
    the latest upload went (``pending``, ``ingesting``, ``ready`` or ``failed``)."""

    name: str
    status: str
    rows: int | None
    columns: list[Column]
    error: str | None
    updated_at: datetime


class Ingested(msgspec.Struct):
    """The outcome of an ingest task."""

    name: str
    rows: int
    columns: list[Column]


class Queued(msgspec.Struct):
    """The answer to an upload: the data set and the task ingesting it."""

    dataset: str
    task_id: str


class IngestError(Exception):
    """An upload that cannot become a data set; the message says why."""


def check_name(name: str) -> str:
    """``name`` if it can name a data set, else :class:`ValueError` saying what it must be."""
    if not NAME.match(name):
        raise ValueError("must be lowercase letters, digits and '_', starting with a letter")
    return name


def upload_format(filename: str) -> str:
    """``csv`` or ``parquet`` from the uploaded file's name, else :class:`ValueError`."""
    found = FORMATS.get(Path(filename).suffix.lower())
    if found is None:
        raise ValueError(f"{filename!r} is neither .csv nor .parquet")
    return found


def upload_path(data_dir: str, name: str, file_format: str) -> Path:
    """A new file under ``data_dir/uploads`` for an upload of ``name`` (never the client's
    file name)."""
    folder = Path(data_dir) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}-{uuid.uuid4().hex}.{file_format}"


def _set_status(
    cursor: duckdb.DuckDBPyConnection, name: str, status: str, error: str | None
) -> None:
    cursor.execute(
        "INSERT INTO dataset_catalog (name, status, error, updated_at) "
        "VALUES (?, ?, ?, now()) ON CONFLICT (name) DO UPDATE "
        "SET status = excluded.status, error = excluded.error, updated_at = now()",
        [name, status, error],
    )


def mark_pending(store: AnalyticsStore, name: str) -> None:
    """Record that an upload of ``name`` waits for its ingest task."""
    with store.cursor() as cursor:
        _set_status(cursor, name, "pending", None)


def columns_of(cursor: duckdb.DuckDBPyConnection, name: str) -> list[Column]:
    """The columns of the data set table ``name``, in order."""
    rows = cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'datasets' AND table_name = ? ORDER BY ordinal_position",
        [name],
    ).fetchall()
    return [Column(column, kind) for column, kind in rows]


def _check_columns(columns: list[Column], rows: int) -> None:
    if not columns:
        raise IngestError("the file has no columns")
    bad = [column.name for column in columns if not COLUMN.match(column.name)]
    if bad:
        raise IngestError(f"column names must be identifiers (letters, digits, '_'): {bad}")
    if rows == 0:
        raise IngestError("the file has a header but no rows")


def _stage(path: Path, file_format: str, staged: Path) -> tuple[list[Column], int]:
    """Read and check the upload in a database of its own, and write it to ``staged``
    as Parquet: the slow part of an ingest, done without holding the store's file."""
    with duckdb.connect() as scratch:
        scratch.execute("CREATE SCHEMA datasets")
        scratch.execute(
            f"CREATE TABLE datasets.upload AS SELECT * FROM {_READERS[file_format]}", [str(path)]
        )
        columns = columns_of(scratch, "upload")
        rows = scratch.execute("SELECT count(*) FROM datasets.upload").fetchone()[0]
        _check_columns(columns, rows)
        target = str(staged).replace("'", "''")
        scratch.execute(f"COPY datasets.upload TO '{target}' (FORMAT parquet)")
    return columns, rows


def ingest(store: AnalyticsStore, name: str, path: Path, file_format: str) -> Ingested:
    """Load the file at ``path`` into the data set ``name`` and delete the file.

    The upload is read and its columns checked apart from the store; then the table and
    its catalog entry are replaced in one transaction, so a malformed file leaves the
    earlier data as it was; its error is recorded in the catalog and raised as
    :class:`IngestError` (which fails the task).
    """
    table = f"datasets.{quote(check_name(name))}"
    staged = path.with_name(f"{path.name}.staged.parquet")
    with store.cursor() as cursor:
        _set_status(cursor, name, "ingesting", None)
    try:
        columns, rows = _stage(path, file_format, staged)
        with store.cursor() as cursor:
            cursor.execute("BEGIN TRANSACTION")
            cursor.execute(
                f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_parquet(?)", [str(staged)]
            )
            cursor.execute(
                "UPDATE dataset_catalog SET status = 'ready', error = NULL, rows = ?, "
                "columns = ?, updated_at = now() WHERE name = ?",
                [rows, msgspec.json.encode(columns).decode(), name],
            )
            cursor.execute("COMMIT")
    except (duckdb.Error, IngestError) as error:
        message = str(error).splitlines()[0]
        with store.cursor() as cursor:
            _set_status(cursor, name, "failed", message)
        raise IngestError(f"{name}: {message}") from None
    finally:
        path.unlink(missing_ok=True)
        staged.unlink(missing_ok=True)
    return Ingested(name, rows, columns)


def _dataset(row: tuple[Any, ...]) -> Dataset:
    name, status, rows, columns, error, updated_at = row
    schema = msgspec.json.decode(columns, type=list[Column]) if columns else []
    return Dataset(name, status, rows, schema, error, updated_at)


_SELECT = "SELECT name, status, rows, columns, error, updated_at FROM dataset_catalog"


def find(store: AnalyticsStore, name: str) -> Dataset | None:
    """The catalog entry of ``name``, or ``None`` when nothing was ever uploaded as it."""
    with store.cursor() as cursor:
        row = cursor.execute(f"{_SELECT} WHERE name = ?", [name]).fetchone()
    return None if row is None else _dataset(row)


def list_all(store: AnalyticsStore) -> list[Dataset]:
    """Every data set in the catalog, by name."""
    with store.cursor() as cursor:
        rows = cursor.execute(f"{_SELECT} ORDER BY name").fetchall()
    return [_dataset(row) for row in rows]
