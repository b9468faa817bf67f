"""docs/tasks.rst: a task enqueued by a route and run by the app's own workers (SQLite,
a SQLite store of its choosing, then the Redis store), and the ``run-tasks`` /
``cleanup-tasks`` commands."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gobstopper.tasks import TaskStatus
from gobstopper.testing import AsyncTestClient

from .ledger import docs_page
from .shell import environment, run

LEDGER = docs_page("tasks")
REPORTS = LEDGER.run("from gobstopper import Gobstopper")
SQLITE_STORE = LEDGER.run("from gobstopper.tasks.sqlite_store import SQLiteTaskStore")
REDIS_STORE = LEDGER.run("from gobstopper.tasks.redis_store import RedisTaskStore")
RUN_TASKS = LEDGER.run(
    "$ gobstopper run-tasks myproject.main:app --categories data,notifications --workers 3"
)
CLEANUP = LEDGER.run("$ gobstopper cleanup-tasks --days 7")


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


async def _report_runs(app: Any) -> Any:
    """POST the report request and wait for the workers started at startup to run it."""
    async with AsyncTestClient(app) as client:
        accepted = await client.post("/reports/5")
        assert accepted.status_code == 202
        task_id = accepted.json()["task"]
        info = await app.get_task(task_id)
        for _ in range(250):
            if info.status is TaskStatus.SUCCESS:
                break
            await asyncio.sleep(0.02)
            info = await app.get_task(task_id)
    return info


async def test_report_task_runs_on_the_startup_workers(workdir: Path) -> None:
    info = await _report_runs(REPORTS.exec()["app"])
    assert info.status is TaskStatus.SUCCESS
    assert info.result == {"sent": True}
    assert info.kwargs == {"user_id": 5, "month": "2026-11"}
    assert (info.max_retries, info.timeout) == (3, 60)
    assert (workdir / "gobstopper_tasks.sqlite3").is_file()


async def test_the_same_app_on_a_sqlite_store_of_its_choosing(workdir: Path) -> None:
    namespace = REPORTS.exec()
    SQLITE_STORE.exec(namespace)
    store = namespace["app"].tasks.store
    assert (store.synchronous, store.lease) == ("FULL", 60)
    info = await _report_runs(namespace["app"])
    assert info.status is TaskStatus.SUCCESS
    assert (workdir / "var" / "tasks.sqlite3").is_file()
    assert not (workdir / "gobstopper_tasks.sqlite3").exists()


async def test_the_same_app_on_a_redis_store_of_its_choosing(workdir: Path, redis_url: str) -> None:
    namespace = REPORTS.exec()
    REDIS_STORE.exec(namespace, url=redis_url)
    store = namespace["app"].tasks.store
    assert (store.prefix, store.abandoned_after) == ("shop:tasks", 60)
    info = await _report_runs(namespace["app"])
    assert info.status is TaskStatus.SUCCESS
    assert not (workdir / "gobstopper_tasks.sqlite3").exists()


MYPROJECT = """\
from gobstopper import Gobstopper

app = Gobstopper(__name__)


@app.task("crunch", category="data")
async def crunch() -> None:
    return None


@app.task("notify", category="notifications")
async def notify() -> None:
    return None
"""


@pytest.mark.integration
def test_run_tasks_then_cleanup_tasks(tmp_path: Path) -> None:
    (tmp_path / "myproject").mkdir()
    (tmp_path / "myproject" / "__init__.py").write_text("")
    (tmp_path / "myproject" / "main.py").write_text(MYPROJECT)
    (command,) = RUN_TASKS.commands()
    workers = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=tmp_path,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert workers.stderr is not None
        started = workers.stderr.readline()
        workers.send_signal(signal.SIGTERM)
        assert workers.wait(30) == 0
    finally:
        workers.kill()
    assert "3 worker(s) each for data, notifications" in started
    (days, shown), (months, _) = CLEANUP.transcript()
    pattern = re.escape(shown[0])
    pattern = re.sub(r"deleted\\ \d+", r"deleted\\ \\d+", pattern)
    pattern = re.sub(r"\d{4}\\-\d\d\\-\d\d\\ \d\d:\d\d", r"[-0-9: ]+", pattern)
    for command, expected in ((days, pattern), (months, r"deleted 0 finished task\(s\)")):
        result = run(command, tmp_path)
        assert result.returncode == 0, result.stderr
        assert re.match(expected, result.stdout), result.stdout
