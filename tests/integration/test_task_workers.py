"""``gobstopper run-tasks`` as its own process on a DuckDB file: SIGTERM lets running
tasks finish within the grace period, puts back those that outlast it, and a second
signal puts them back at once."""

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


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("GOBSTOPPER_TASK_BROKER", raising=False)
    monkeypatch.setenv("TASK_DB", str(tmp_path / "tasks.duckdb"))
    monkeypatch.setenv("TASK_LOG", str(tmp_path / "tasks.log"))
    return write_task_app(tmp_path)


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


async def test_a_second_process_on_the_same_file_is_refused(project: str, tmp_path: Path) -> None:
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
