"""A typed data API: CRUD with filtering and cursor pagination on a real store, background
data processing with task monitoring, and live analytics pushed over a WebSocket.

Records are kept in DuckDB (a file in a temporary folder, or in ``EXAMPLE_DATA_DIR``), or
in PostgreSQL through asyncpg when ``DATABASE_URL`` is set. Bodies and answers are msgspec
Structs and every route declares what it returns::

    gobstopper run data_example:app          # or: granian --interface rsgi data_example:app
    curl -X POST localhost:8000/api/records -H 'Content-Type: application/json' \\
         -d '{"category": "books", "name": "Dune", "amount": 12.5}'
    curl 'localhost:8000/api/records?category=books&min_amount=10&limit=20'
    curl -X POST localhost:8000/api/jobs/generate -H 'Content-Type: application/json' \\
         -d '{"count": 500}'
"""

from __future__ import annotations

import base64
import binascii
import os
import random
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any, NoReturn

import msgspec
from data_store import (
    Analytics,
    NewRecord,
    Record,
    RecordChanges,
    RecordFilter,
    Store,
    StoreRejected,
    open_store,
)

from gobstopper import Gobstopper, Request, abort
from gobstopper.websocket import RoomManager, WebSocket

_OWN_DATA_DIR = "EXAMPLE_DATA_DIR" not in os.environ
DATA_DIR = Path(os.environ.get("EXAMPLE_DATA_DIR") or tempfile.mkdtemp(prefix="gobstopper-data-"))
#: Ids are 64-bit in both stores: a bigger one cannot name a record.
MAX_ID = 2**63 - 1

app = Gobstopper(__name__, task_database=DATA_DIR / "tasks.duckdb", static_folder=None)
rooms = RoomManager()
_encode = msgspec.json.Encoder().encode


class _State:
    store: Store


state = _State()


class Page(msgspec.Struct):
    """One page of records; ``next_cursor`` fetches the next (``None`` on the last)."""

    items: list[Record]
    next_cursor: str | None


class GenerateJob(msgspec.Struct):
    """Generate ``count`` random records in the background."""

    count: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 100
    category: Annotated[str, msgspec.Meta(pattern=r"^[\w -]{1,40}$")] | None = None


class JobStatus(msgspec.Struct):
    """A background job as stored by the task system."""

    id: str
    name: str
    status: str
    attempts: int
    result: dict[str, Any] | None = None
    error: str | None = None


@app.on_startup
async def open_data() -> None:
    """Open the store (PostgreSQL when ``DATABASE_URL`` is set) and start one task worker."""
    state.store = await open_store(os.environ.get("DATABASE_URL"), DATA_DIR / "records.duckdb")
    await app.start_task_workers("data", worker_count=1)


@app.on_shutdown
async def close_data() -> None:
    """Stop the worker, close both databases and drop a temporary data folder."""
    await app.tasks.close()
    await state.store.close()
    if _OWN_DATA_DIR:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


@app.errorhandler(StoreRejected)
async def store_rejected(request: Request, error: StoreRejected) -> tuple[dict[str, Any], int]:
    """Values the database refuses (a NUL byte in text, say) are the client's error,
    answered in the shape of every other 422 (no single field is to blame)."""
    message = str(error)
    detail = {"field": None, "message": message}
    return {
        "error": "Unprocessable Entity",
        "status": 422,
        "message": message,
        "detail": detail,
    }, 422


def _cursor(record_id: int) -> str:
    return base64.urlsafe_b64encode(str(record_id).encode()).rstrip(b"=").decode()


def _bad_cursor() -> NoReturn:
    """A cursor is a query value: one that does not fit gets the 422 of any other."""
    message = "cursor is not one this API gave out"
    abort(422, message, detail={"field": "cursor", "message": message})


def _after(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        _bad_cursor()
    if not 0 <= value <= MAX_ID:
        _bad_cursor()
    return value


def _record_id(record_id: int) -> int:
    if not 0 < record_id <= MAX_ID:
        abort(404, f"no record {record_id}")
    return record_id


async def push_analytics() -> None:
    """Send the current analytics to every open analytics socket."""
    if rooms.members("analytics"):
        snapshot = await state.store.analytics()
        await rooms.broadcast("analytics", _encode(snapshot).decode())


@app.get("/")
async def index() -> dict[str, list[str]]:
    """The routes of this API."""
    return {"routes": sorted({pattern for pattern, _, _ in app.iter_rules()})}


@app.get("/api/records")
async def list_records(
    category: str | None = None,
    min_amount: float | None = None,
    max_amount: float | None = None,
    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20,
    cursor: str | None = None,
) -> Page:
    """Records in id order, filtered by category and amount, ``limit`` (1..100) at a time."""
    found = await state.store.page(
        RecordFilter(category, min_amount, max_amount), _after(cursor), limit + 1
    )
    more = len(found) > limit
    items = found[:limit]
    return Page(items, _cursor(items[-1].id) if more else None)


@app.post("/api/records")
async def create_record(new: NewRecord) -> tuple[Record, int, dict[str, str]]:
    """Store a record; answers 201 with its ``Location``."""
    record = await state.store.add(new)
    await push_analytics()
    return record, 201, {"Location": app.url_for("show_record", record_id=record.id)}


@app.get("/api/records/<int:record_id>")
async def show_record(record_id: int) -> Record:
    """One record, or 404."""
    record = await state.store.get(_record_id(record_id))
    if record is None:
        abort(404, f"no record {record_id}")
    return record


@app.patch("/api/records/<int:record_id>")
async def update_record(record_id: int, changes: RecordChanges) -> Record:
    """Change some fields of a record, or 404."""
    record = await state.store.update(_record_id(record_id), changes)
    if record is None:
        abort(404, f"no record {record_id}")
    await push_analytics()
    return record


@app.delete("/api/records/<int:record_id>")
async def delete_record(record_id: int) -> None:
    """Delete a record (204), or 404."""
    if not await state.store.delete(_record_id(record_id)):
        abort(404, f"no record {record_id}")
    await push_analytics()


@app.get("/api/analytics")
async def analytics() -> Analytics:
    """Counts, totals and averages, overall and per category."""
    return await state.store.analytics()


@app.task("generate_records", category="data")
async def generate_records(count: int, category: str | None, seed: int) -> dict[str, int]:
    """Insert ``count`` random records (the data processing the jobs endpoints monitor)."""
    chance = random.Random(seed)
    categories = [category] if category else ["books", "games", "music", "tools"]
    batch = [
        NewRecord(
            category=chance.choice(categories),
            name=f"item {chance.randrange(1_000_000)}",
            amount=round(chance.uniform(1, 500), 2),
        )
        for _ in range(count)
    ]
    inserted = await state.store.add_many(batch)
    await push_analytics()
    return {"inserted": inserted}


@app.post("/api/jobs/generate")
async def start_generate(job: GenerateJob) -> tuple[JobStatus, int, dict[str, str]]:
    """Enqueue a generation job; answers 202 with where to watch it."""
    seed = random.randrange(2**31)
    task_id = await app.add_background_task(
        "generate_records", "data", count=job.count, category=job.category, seed=seed
    )
    status = JobStatus(task_id, "generate_records", "pending", 0)
    return status, 202, {"Location": app.url_for("job_status", task_id=task_id)}


@app.get("/api/jobs/<task_id>")
async def job_status(task_id: str) -> JobStatus:
    """A job's status, attempts and result, or 404."""
    info = await app.get_task(task_id)
    if info is None:
        abort(404, f"no job {task_id}")
    return JobStatus(info.id, info.name, info.status.value, info.attempts, info.result, info.error)


@app.get("/api/jobs")
async def job_counts() -> dict[str, dict[str, int]]:
    """How many jobs are in each status, per category."""
    return await app.task_stats()


@app.websocket("/ws/analytics")
async def live_analytics(websocket: WebSocket) -> None:
    """Send the analytics now and again after every change, until the client leaves."""
    await websocket.accept()
    await rooms.join("analytics", websocket)
    await websocket.send_text(_encode(await state.store.analytics()).decode())
    async for _ in websocket:
        await websocket.send_text(_encode({"error": "this socket only sends"}).decode())
