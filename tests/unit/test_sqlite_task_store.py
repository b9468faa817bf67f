"""The SQLite task store as the embedded default: which file gets which store, the file
it writes, clear errors for bad options and for a file that is not its own, and the next
task claimed along with a success."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from gobstopper import Gobstopper
from gobstopper.tasks import TaskInfo, TaskPriority, TaskStatus
from gobstopper.tasks.duckdb_store import DuckDBTaskStore
from gobstopper.tasks.sqlite_store import SQLiteTaskStore


def app_on(database: Path | None = None) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None, task_database=database)

    @app.task("echo")
    async def echo(text: str) -> str:
        return text

    return app


async def test_the_default_task_file_is_sqlite_in_wal_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOBSTOPPER_TASK_DATABASE", raising=False)
    monkeypatch.delenv("GOBSTOPPER_TASK_BROKER", raising=False)
    monkeypatch.chdir(tmp_path)
    app = app_on()
    assert not app.tasks_confined_to_one_process  # gobstopper run -w N may share it
    task_id = await app.add_background_task("echo", text="hi")
    await app.shutdown()
    assert isinstance(app.tasks.store, SQLiteTaskStore)
    with sqlite3.connect(tmp_path / "gobstopper_tasks.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        row = connection.execute(
            "SELECT name, status, kwargs FROM gobstopper_tasks WHERE id = ?", [task_id]
        ).fetchone()
    assert row == ("echo", "pending", '{"text":"hi"}')


def test_a_duckdb_file_keeps_the_duckdb_store(tmp_path: Path) -> None:
    app = app_on(tmp_path / "tasks.duckdb")
    assert app.tasks_confined_to_one_process
    assert isinstance(app.tasks.store, DuckDBTaskStore)


async def test_a_file_that_is_not_sqlite_is_refused_clearly(tmp_path: Path) -> None:
    database = tmp_path / "tasks.sqlite3"
    database.write_bytes(b"this is no database " * 100)
    app = app_on(database)
    with pytest.raises(RuntimeError, match=r"is not a SQLite task database .*must end in \.duckdb"):
        await app.add_background_task("echo", text="hi")
    await app.shutdown()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"synchronous": "OFF"}, "synchronous must be NORMAL or FULL, got 'OFF'"),
        ({"lease": 0}, "lease must be a positive number of seconds, got 0"),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SQLiteTaskStore(tmp_path / "t.sqlite3", **options)


async def test_full_synchronous_keeps_tasks_like_normal(tmp_path: Path) -> None:
    app = app_on()
    app.use_task_store(SQLiteTaskStore(tmp_path / "t.sqlite3", synchronous="full"))
    app.tasks.poll_interval = 0.05
    task_id = await app.add_background_task("echo", text="durable")
    await app.start_task_workers("default", worker_count=1)
    try:
        for _ in range(200):
            info = await app.get_task(task_id)
            if info is not None and info.status.finished:
                break
            await asyncio.sleep(0.02)
        assert info is not None
        assert info.result == "durable"
    finally:
        await app.shutdown()


def pending_task(name: str, category: str = "default") -> TaskInfo:
    now = datetime.now(timezone.utc)
    return TaskInfo(
        id=uuid.uuid4().hex,
        name=name,
        category=category,
        priority=TaskPriority.NORMAL,
        status=TaskStatus.PENDING,
        kwargs={},
        created_at=now,
        run_at=now,
    )


async def test_a_success_claims_the_next_task_for_the_next_worker_in_one_commit(
    tmp_path: Path,
) -> None:
    store = SQLiteTaskStore(tmp_path / "t.sqlite3")
    await store.open()
    first, second = pending_task("first"), pending_task("second")
    await store.add(first)
    await store.add(second)
    assert (await store.claim("default", datetime.now(timezone.utc))).id == first.id  # type: ignore[union-attr]
    await store.succeed(first.id, b'"done"', datetime.now(timezone.utc))
    info = await store.get(second.id)
    assert (info.status, info.attempts) == (TaskStatus.STARTED, 1)  # type: ignore[union-attr]
    assert (await store.claim("default", datetime.now(timezone.utc))).id == second.id  # type: ignore[union-attr]
    await store.close()


async def test_a_task_claimed_with_a_success_goes_back_when_nobody_asks_for_it(
    tmp_path: Path,
) -> None:
    store = SQLiteTaskStore(tmp_path / "t.sqlite3", lease=0.3)
    await store.open()
    first, second, third = pending_task("first"), pending_task("second"), pending_task("third")
    for task in (first, second, third):
        await store.add(task)
    await store.claim("default", datetime.now(timezone.utc))
    await store.succeed(first.id, b"null", datetime.now(timezone.utc))  # claims "second"
    for _ in range(100):  # the workers stopped: after a renewal period it is pending again
        if (await store.get(second.id)).status is TaskStatus.PENDING:  # type: ignore[union-attr]
            break
        await asyncio.sleep(0.02)
    assert (await store.get(second.id)).attempts == 0  # type: ignore[union-attr]

    claimed = await store.claim("default", datetime.now(timezone.utc))
    await store.succeed(claimed.id, b"null", datetime.now(timezone.utc))  # type: ignore[union-attr]
    await store.close()  # the one claimed with that success goes back at once
    reopened = SQLiteTaskStore(tmp_path / "t.sqlite3")
    await reopened.open()
    assert await reopened.stats() == {"default": {"pending": 1, "success": 2}}
    assert (await reopened.get(third.id)).attempts == 0  # type: ignore[union-attr]
    await reopened.close()
