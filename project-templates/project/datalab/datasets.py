"""Data sets: uploads (CSV or Parquet) ingested into the analytical store, with their
status, row count, schema and the error of a failed ingest kept in its catalog.

An ingest that finds the store busy (:class:`~datalab.store.StoreBusy`) keeps the upload
and fails its task, which runs again as its retries allow; any other failure is recorded
in the catalog at once and fails the task for good (:class:`IngestError`). A failure
nothing could record there, such as the last retry finding the store still busy, is
recorded when the data set is next looked at (:func:`settled`), from its task.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import msgspec
from gobstopper import Gobstopper
from gobstopper.tasks import NoRetry, TaskStatus

from .store import AnalyticsStore, StoreBusy, quote

__all__ = [
    "INGEST_RETRIES",
    "Column",
    "Dataset",
    "IngestError",
    "Ingested",
    "Queued",
    "assign_task",
    "check_name",
    "columns_of",
    "find",
    "ingest",
    "list_all",
    "mark_pending",
    "settled",
    "upload_format",
    "upload_path",
]

#: A data set's name: it names a table, so it is checked before it reaches any SQL.
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
#: A column a data set may have: one that analytics parameters can name.
COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
FORMATS = {".csv": "csv", ".parquet": "parquet"}
#: Attempts an ingest task gets after its first, when the store stays busy.
INGEST_RETRIES = 3
#: The states of an upload whose ingest task has not finished.
_UNSETTLED = ("pending", "ingesting")
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
    the latest upload went (``pending``, ``ingesting``, ``ready`` or ``failed``), and
    ``task_id`` names the task ingesting it (follow it at ``/tasks/<task_id>``)."""

    name: str
    status: str
    rows: int | None
    columns: list[Column]
    error: str | None
    updated_at: datetime
    task_id: str | None


class Ingested(msgspec.Struct):
    """The outcome of an ingest task."""

    name: str
    rows: int
    columns: list[Column]


class Queued(msgspec.Struct):
    """The answer to an upload: the data set and the task ingesting it."""

    dataset: str
    task_id: str


class IngestError(NoRetry):
    """An upload that cannot become a data set; the message says why. Its task fails at
    once: another attempt would read the same file."""


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
    """Record that an upload of ``name`` waits for its ingest task (whose id
    :func:`assign_task` records once the task is queued)."""
    with store.cursor() as cursor:
        cursor.execute(
            "INSERT INTO dataset_catalog (name, status, updated_at) VALUES (?, 'pending', now()) "
            "ON CONFLICT (name) DO UPDATE SET status = 'pending', error = NULL, task_id = NULL, "
            "updated_at = now()",
            [name],
        )


def assign_task(store: AnalyticsStore, name: str, task_id: str) -> None:
    """Record ``task_id`` as the task ingesting the upload :func:`mark_pending` recorded,
    unless an upload of ``name`` made meanwhile got its own task recorded first."""
    with store.cursor() as cursor:
        cursor.execute(
            "UPDATE dataset_catalog SET task_id = ? WHERE name = ? AND task_id IS NULL",
            [task_id, name],
        )


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


def _message(error: Exception) -> str:
    """The first line of ``error``, named by its type unless it is DuckDB's or ours."""
    first = str(error).splitlines()[0] if str(error) else ""
    if isinstance(error, (duckdb.Error, IngestError)):
        return first
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def _outcome(store: AnalyticsStore, name: str) -> Ingested:
    """What an earlier run of an ingest did, for its task delivered again (delivery is at
    least once) after the upload was ingested or refused, and deleted."""
    found = find(store, name)
    if found is not None and found.status == "ready" and found.rows is not None:
        return Ingested(name, found.rows, found.columns)
    error = found.error if found is not None and found.error else "the upload is gone"
    raise IngestError(f"{name}: {error}")


def ingest(store: AnalyticsStore, name: str, path: Path, file_format: str) -> Ingested:
    """Load the file at ``path`` into the data set ``name`` and delete the file.

    The upload is read and its columns checked apart from the store; then the table and
    its catalog entry are replaced in one transaction, so a malformed file leaves the
    earlier data as it was. A failure is recorded in the catalog (``failed``, with its
    message) and raised as :class:`IngestError`, which fails the task. A busy store is
    raised as :class:`~datalab.store.StoreBusy` with the upload kept, so the task's next
    attempt ingests it. Run again once the upload is gone, it answers as the run that
    deleted it did.
    """
    table = f"datasets.{quote(check_name(name))}"
    if not path.exists():
        return _outcome(store, name)
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
    except StoreBusy:
        raise
    except Exception as error:
        message = _message(error)
        # A store busy here raises StoreBusy: the upload stays, and the next attempt
        # fails the same way and records it.
        with store.cursor() as cursor:
            _set_status(cursor, name, "failed", message)
        path.unlink(missing_ok=True)
        raise IngestError(f"{name}: {message}") from None
    finally:
        staged.unlink(missing_ok=True)
    path.unlink(missing_ok=True)
    return Ingested(name, rows, columns)


def _record_failure(
    store: AnalyticsStore, name: str, task_id: str, error: str, upload: Path | None
) -> None:
    with store.cursor() as cursor:
        cursor.execute(
            "UPDATE dataset_catalog SET status = 'failed', error = ?, updated_at = now() "
            "WHERE name = ? AND task_id = ? AND status IN ('pending', 'ingesting')",
            [error, name, task_id],
        )
    if upload is not None:
        upload.unlink(missing_ok=True)


async def settled(app: Gobstopper, store: AnalyticsStore, dataset: Dataset) -> Dataset:
    """``dataset`` as its ingest task left it. A data set still ``pending`` or
    ``ingesting`` whose task has finished without success (its last retry found the store
    busy, say) failed: that is recorded in the catalog with the task's error, and the
    upload the task kept for its retries is deleted."""
    if dataset.status not in _UNSETTLED or dataset.task_id is None:
        return dataset
    task = await app.get_task(dataset.task_id)
    if task is None or task.status not in (TaskStatus.FAILED, TaskStatus.CANCELLED):
        return dataset
    error = task.error or f"the ingest task was {task.status.value}"
    path = task.kwargs.get("path")
    upload = Path(path) if isinstance(path, str) else None
    await asyncio.to_thread(_record_failure, store, dataset.name, dataset.task_id, error, upload)
    return msgspec.structs.replace(dataset, status="failed", error=error)


def _dataset(row: tuple[Any, ...]) -> Dataset:
    name, status, rows, columns, error, updated_at, task_id = row
    schema = msgspec.json.decode(columns, type=list[Column]) if columns else []
    return Dataset(name, status, rows, schema, error, updated_at, task_id)


_SELECT = "SELECT name, status, rows, columns, error, updated_at, task_id FROM dataset_catalog"


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
