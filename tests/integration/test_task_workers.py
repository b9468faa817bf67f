"""``gobstopper run-tasks`` as its own process on a SQLite or DuckDB file: SIGTERM lets
running tasks finish within the grace period, puts back those that outlast it, and a
second signal puts them back at once; two processes share a SQLite file, and a second
process on a DuckDB file is refused."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

import pytest

from gobstopper.cli.appload import load_app
from gobstopper.tasks import TaskStatus

from ..processes import start_task_workers, stop_task_workers, wait_for_line
from ..taskapp import write_task_app

pytestmark = pytest.mark.integration


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> str:
    monkeypatch.delenv("GOBSTOPPER_TASK_BROKER", raising=False)
    monkeypatch.setenv("TASK_DB", str(tmp_path / f"tasks.{suffix}"))
    monkeypatch.setenv("TASK_LOG", str(tmp_path / "tasks.log"))
    return write_task_app(tmp_path)


@pytest.fixture(params=["sqlite3", "duckdb"])
def project(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch) -> str:
    """The task app on a SQLite or a DuckDB file; returns ``module:app``."""
    return _project(tmp_path, monkeypatch, request.param)


@pytest.fixture
def sqlite_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return _project(tmp_path, monkeypatch, "sqlite3")


@pytest.fixture
def duckdb_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return _project(tmp_path, monkeypatch, "duckdb")


async def _enqueue(target: str, directory: Path, **arguments: object) -> str:
    app = load_app(target, directory)
    try:
        return await app.add_background_task("work", **arguments)
    finally:
        await app.shutdown()


async def _task(target: str, directory: Path, task_id: str):
    app = load_app(target, directory)
    try:
        return await app.get_task(task_id)
    finally:
        await app.shutdown()


async def test_sigterm_lets_a_running_task_finish(project: str, tmp_path: Path) -> None:
    task_id = await _enqueue(project, tmp_path, label="report", seconds=1.0)
    workers = start_task_workers(project, tmp_path, "--categories", "data", "--grace", "20")
    try:
        await asyncio.to_thread(wait_for_line, tmp_path / "tasks.log", "start report")
    finally:
        await asyncio.to_thread(stop_task_workers, workers)
    assert "done report" in (tmp_path / "tasks.log").read_text()
    info = await _task(project, tmp_path, task_id)
    assert (info.status, info.result, info.attempts) == (TaskStatus.SUCCESS, "report", 1)


@pytest.mark.parametrize("how", ["grace runs out", "second signal"])
async def test_a_task_that_outlasts_the_stop_is_put_back(
    project: str, tmp_path: Path, how: str
) -> None:
    task_id = await _enqueue(project, tmp_path, label="long", seconds=60.0)
    grace = "0.5" if how == "grace runs out" else "60"
    workers = start_task_workers(project, tmp_path, "--grace", grace)
    try:
        await asyncio.to_thread(wait_for_line, tmp_path / "tasks.log", "start long")
        started = time.monotonic()
        workers.send_signal(signal.SIGTERM)
        if how == "second signal":
            await asyncio.sleep(0.3)
            workers.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(workers.wait, 20) == 0
        assert time.monotonic() - started < 10
    finally:
        workers.kill()
    info = await _task(project, tmp_path, task_id)
    assert (info.status, info.attempts) == (TaskStatus.PENDING, 0)

    again = start_task_workers(project, tmp_path)  # the next run finishes it
    try:
        await asyncio.to_thread(wait_for_line, tmp_path / "tasks.log", "done long")
    finally:
        await asyncio.to_thread(stop_task_workers, again)
    info = await _task(project, tmp_path, task_id)
    assert (info.status, info.attempts) == (TaskStatus.SUCCESS, 1)


async def test_two_processes_share_a_sqlite_file_and_run_each_task_once(
    sqlite_project: str, tmp_path: Path
) -> None:
    workers = [start_task_workers(sqlite_project, tmp_path) for _ in range(2)]
    try:
        app = load_app(sqlite_project, tmp_path)
        labels = [f"t{n}" for n in range(40)]  # 0.1 s each: 2 s for one process alone
        try:
            await asyncio.gather(
                *(app.add_background_task("work", label=label, seconds=0.1) for label in labels)
            )
            for _ in range(500):
                if (await app.task_stats()).get("data") == {"success": 40}:
                    break
                await asyncio.sleep(0.02)
        finally:
            await app.shutdown()
    finally:
        await asyncio.to_thread(stop_task_workers, *workers)
    starts = [line.split() for line in (tmp_path / "tasks.log").read_text().splitlines()]
    starts = [(label, pid) for kind, label, pid in starts if kind == "start"]
    assert sorted(label for label, _ in starts) == sorted(labels)  # each ran once
    assert {pid for _, pid in starts} == {str(worker.pid) for worker in workers}


async def test_a_second_process_on_a_duckdb_file_is_refused(
    duckdb_project: str, tmp_path: Path
) -> None:
    project = duckdb_project
    workers = start_task_workers(project, tmp_path)
    try:
        second = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gobstopper", "run-tasks", project,
            cwd=tmp_path, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, error = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 1
        assert b"DuckDB allows one process per file" in error
        assert b"GOBSTOPPER_TASK_BROKER" in error
    finally:
        await asyncio.to_thread(stop_task_workers, workers)
