"""``gobstopper run-tasks`` processes sharing the Redis Streams broker: each task runs
once across processes, and the tasks of a worker killed with SIGKILL are finished by
another."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gobstopper import Gobstopper
from gobstopper.cli.appload import load_app
from gobstopper.tasks import TaskPriority, TaskStatus

from ..processes import start_task_workers, stop_task_workers, wait_for_line
from ..taskapp import write_task_app


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str) -> str:
    monkeypatch.setenv("TASK_REDIS", redis_url)
    monkeypatch.setenv("TASK_PREFIX", f"test:{uuid.uuid4().hex}")
    monkeypatch.setenv("TASK_ABANDONED_AFTER", "1")
    monkeypatch.setenv("TASK_LOG", str(tmp_path / "tasks.log"))
    return write_task_app(tmp_path)


@pytest.fixture
async def app(project: str, tmp_path: Path) -> AsyncIterator[Gobstopper]:
    """The same application in the test process, to enqueue and inspect."""
    app = load_app(project, tmp_path)
    yield app
    await app.shutdown()


async def _all_succeed(app: Gobstopper, task_ids: list[str], timeout: float = 30) -> list:
    for _ in range(int(timeout / 0.05)):
        infos = [await app.get_task(task_id) for task_id in task_ids]
        if all(info.status is TaskStatus.SUCCESS for info in infos):
            return infos
        await asyncio.sleep(0.05)
    raise AssertionError([(info.status, info.error) for info in infos])


async def test_two_processes_share_the_tasks_and_each_runs_once(
    app: Gobstopper, project: str, tmp_path: Path
) -> None:
    first = start_task_workers(project, tmp_path, "--workers", "1", "--categories", "data")
    second = start_task_workers(project, tmp_path, "--workers", "1", "--categories", "data")
    try:
        task_ids = [
            await app.add_background_task("work", label=f"t{n}", seconds=0.2) for n in range(10)
        ]
        await _all_succeed(app, task_ids)
        done = [
            line.split()
            for line in (tmp_path / "tasks.log").read_text().splitlines()
            if line.startswith("done")
        ]
        assert sorted(label for _, label, _ in done) == sorted(f"t{n}" for n in range(10))
        by_process = collections.Counter(pid for _, _, pid in done)
        assert set(by_process) == {str(first.pid), str(second.pid)}
        assert await app.task_stats() == {"data": {"success": 10}}
    finally:
        await asyncio.to_thread(stop_task_workers, first, second)


async def test_a_killed_workers_task_is_finished_by_another(
    app: Gobstopper, project: str, tmp_path: Path
) -> None:
    big = await app.add_background_task("work", "data", TaskPriority.HIGH, label="big", seconds=60)
    small = [
        await app.add_background_task("work", "data", TaskPriority.LOW, label=label)
        for label in ("a", "b")
    ]
    doomed = start_task_workers(project, tmp_path, "--workers", "1", "--categories", "data")
    await asyncio.to_thread(wait_for_line, tmp_path / "tasks.log", "start big")
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    assert (await app.get_task(big)).status is TaskStatus.STARTED  # type: ignore[union-attr]

    rescuer = start_task_workers(project, tmp_path, "--workers", "1", "--categories", "data")
    try:
        infos = await _all_succeed(app, [big, *small])
    finally:
        await asyncio.to_thread(stop_task_workers, rescuer)
    assert infos[0].attempts == 2  # the killed attempt, then the one that finished
    done = await asyncio.to_thread(wait_for_line, tmp_path / "tasks.log", "done big")
    assert done.endswith(str(rescuer.pid))
    assert await app.task_stats() == {"data": {"success": 3}}
