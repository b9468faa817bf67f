"""``gobstopper run-tasks`` and ``cleanup-tasks`` (errors, and pruning real stores), and
``gobstopper run -w N`` refusing a DuckDB task store."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
import redis

from gobstopper.cli import main
from gobstopper.cli.appload import load_app
from gobstopper.cli.config import RunConfig
from gobstopper.cli.run import check_app_can_serve
from gobstopper.cli.tasks import months_before
from gobstopper.tasks import TaskStatus

from ..taskapp import write_task_app


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A directory holding a task app on the DuckDB file ``tasks.duckdb``; returns it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOBSTOPPER_TASK_BROKER", raising=False)
    monkeypatch.setenv("TASK_DB", str(tmp_path / "tasks.duckdb"))
    monkeypatch.setenv("TASK_LOG", str(tmp_path / "tasks.log"))
    return write_task_app(tmp_path)


def test_several_workers_are_refused_on_a_duckdb_task_store(project: str, capsys) -> None:
    assert main(["run", project, "-w", "4"]) == 2
    error = capsys.readouterr().err
    assert "4 workers cannot share it" in error
    assert "GOBSTOPPER_TASK_BROKER=redis://" in error


def test_several_workers_may_share_the_redis_broker(
    project: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOBSTOPPER_TASK_BROKER", "redis://127.0.0.1:6379/0")
    check_app_can_serve(RunConfig(workers=4), write_task_app(tmp_path), tmp_path)


def test_a_bad_broker_url_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOBSTOPPER_TASK_BROKER", "http://redis:6379")
    with pytest.raises(Exception, match="must be a redis://, rediss:// or unix:// URL"):
        load_app(write_task_app(tmp_path), tmp_path)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--categories", "emails"], "unknown category emails (declared: data, notifications)"),
        (["--categories", ","], "unknown categories (none)"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--grace", "-1"], "--grace must not be negative"),
    ],
)
def test_run_tasks_refuses_bad_input(
    project: str, arguments: list[str], message: str, capsys
) -> None:
    assert main(["run-tasks", project, *arguments]) == 2
    assert message in capsys.readouterr().err


def test_run_tasks_refuses_an_app_without_tasks(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plain_app.py").write_text(
        "from gobstopper import Gobstopper\napp = Gobstopper(__name__)\n"
    )
    assert main(["run-tasks", "plain_app:app"]) == 2
    assert "declares no tasks" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--days", "-3"], "--days must not be negative"),
        (["--months", "-1"], "--months must not be negative"),
        (["--days", "7", "--status", "pending"], "'pending' is not a finished status"),
        (["--days", "7", "--database", "missing.duckdb"], "there is no task database at"),
        (["--days", "7", "--broker", "http://x"], "must be a redis://"),
    ],
)
def test_cleanup_refuses_bad_input(
    tmp_path: Path, monkeypatch, arguments: list[str], message: str, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["cleanup-tasks", *arguments]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "one of --days and --months is required"),
        (["--days", "1", "--months", "1"], "--days and --months cannot be combined"),
    ],
)
def test_cleanup_needs_one_age(arguments: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["cleanup-tasks", *arguments])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_months_are_calendar_months() -> None:
    assert months_before(datetime(2026, 3, 31, 12, tzinfo=timezone.utc), 1) == datetime(
        2026, 2, 28, 12, tzinfo=timezone.utc
    )
    assert months_before(datetime(2026, 1, 15, tzinfo=timezone.utc), 13).date().isoformat() == (
        "2024-12-15"
    )


@pytest.fixture(params=["duckdb", "sqlite", "redis"])
def store_env(request: pytest.FixtureRequest, project: str, monkeypatch, tmp_path: Path) -> str:
    """The project's tasks in DuckDB or SQLite, or under a new prefix in Redis; returns
    the app."""
    if request.param == "sqlite":
        monkeypatch.setenv("TASK_DB", str(tmp_path / "tasks.sqlite3"))
    if request.param == "redis":
        monkeypatch.setenv("TASK_REDIS", request.getfixturevalue("redis_url"))
        monkeypatch.setenv("TASK_PREFIX", f"test:{uuid.uuid4().hex}")
    return project


def _age(target: str, task_ids: list[str], days: int) -> None:
    """Make the finished tasks ``task_ids`` look as if they finished ``days`` ago."""
    moment = datetime.now(timezone.utc) - timedelta(days=days)
    if url := os.environ.get("TASK_REDIS"):
        prefix = os.environ["TASK_PREFIX"]
        client = redis.Redis.from_url(url)
        for task_id in task_ids:
            client.zadd(f"{prefix}:f", {task_id: moment.timestamp()})
            client.hset(f"{prefix}:t:{task_id}", "finished_at", repr(moment.timestamp()))
        client.close()
        return
    if not os.environ["TASK_DB"].endswith(".duckdb"):
        with sqlite3.connect(os.environ["TASK_DB"]) as connection:
            connection.executemany(
                "UPDATE gobstopper_tasks SET finished_at = ? WHERE id = ?",
                [(moment.timestamp(), task_id) for task_id in task_ids],
            )
        return
    with duckdb.connect(os.environ["TASK_DB"]) as connection:
        connection.executemany(
            "UPDATE gobstopper_tasks SET finished_at = ? WHERE id = ?",
            [[moment.replace(tzinfo=None), task_id] for task_id in task_ids],
        )


async def _finished_tasks(target: str, directory: Path) -> dict[str, str]:
    """Run four tasks to the end (two successes, a failure-free cancel, a pending one)."""
    app = load_app(target, directory)
    app.tasks.poll_interval = 0.05
    ids = {
        "old": await app.add_background_task("work", label="old"),
        "new": await app.add_background_task("work", label="new"),
        "cancelled": await app.add_background_task("ping"),
        "waiting": await app.add_background_task("work", delay=3600, label="later"),
    }
    assert await app.cancel_task(ids["cancelled"])
    await app.start_task_workers("data", worker_count=1)
    for _ in range(250):
        if (await app.task_stats()).get("data", {}).get("success") == 2:
            break
        await asyncio.sleep(0.02)
    await app.shutdown()
    return ids


def _cleanup(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gobstopper", "cleanup-tasks", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )


async def _statuses(target: str, directory: Path, ids: dict[str, str]) -> dict[str, object]:
    app = load_app(target, directory)
    try:
        return {
            key: (info.status if (info := await app.get_task(task_id)) else None)
            for key, task_id in ids.items()
        }
    finally:
        await app.shutdown()


async def test_cleanup_deletes_old_finished_tasks_and_says_how_many(
    store_env: str, tmp_path: Path
) -> None:
    ids = await _finished_tasks(store_env, tmp_path)
    _age(store_env, [ids["old"], ids["cancelled"]], days=10)

    kept_cancelled = await asyncio.to_thread(
        _cleanup, store_env, "--days", "7", "--status", "success"
    )
    assert kept_cancelled.returncode == 0, kept_cancelled.stderr
    assert kept_cancelled.stdout.startswith("deleted 1 finished task(s) older than 7 day(s)")

    everything_old = await asyncio.to_thread(_cleanup, store_env, "--months", "0")
    assert everything_old.returncode == 0, everything_old.stderr
    assert everything_old.stdout.startswith("deleted 2 finished task(s)")  # cancelled, new

    assert await _statuses(store_env, tmp_path, ids) == {
        "old": None,
        "new": None,
        "cancelled": None,
        "waiting": TaskStatus.PENDING,
    }


async def test_cleanup_finds_the_duckdb_file_from_the_flag_and_the_environment(
    project: str, tmp_path: Path
) -> None:
    ids = await _finished_tasks(project, tmp_path)
    _age(project, [ids["old"]], days=40)
    by_flag = await asyncio.to_thread(_cleanup, "--days", "30", "--database", os.environ["TASK_DB"])
    assert by_flag.stdout.startswith("deleted 1 "), by_flag.stderr
    assert os.environ["TASK_DB"] in by_flag.stdout
    os.environ["GOBSTOPPER_TASK_DATABASE"] = os.environ["TASK_DB"]
    try:
        by_environment = await asyncio.to_thread(_cleanup, "--days", "0")
    finally:
        del os.environ["GOBSTOPPER_TASK_DATABASE"]
    assert by_environment.stdout.startswith("deleted 2 "), by_environment.stderr
