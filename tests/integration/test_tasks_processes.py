"""Background tasks across processes: a worker killed with SIGKILL mid-task loses nothing,
and a second process cannot open the same DuckDB file."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gobstopper import Gobstopper
from gobstopper.tasks.duckdb_store import TaskStoreLocked

pytestmark = pytest.mark.integration

JOB = """
import asyncio, os, sys
from pathlib import Path

from gobstopper import Gobstopper
from gobstopper.tasks import TaskPriority

app = Gobstopper(__name__, task_database=sys.argv[1])
marker = Path(sys.argv[2])


@app.task("convert", category="media")
async def convert(name: str) -> str:
    if name == "big" and not os.environ.get("FAST"):
        marker.write_text("started")
        await asyncio.sleep(60)
    return f"converted {name}"


async def main():
    if sys.argv[3] == "enqueue-and-work":
        await app.add_background_task("convert", "media", TaskPriority.HIGH, name="big")
        for name in ("a", "b"):
            await app.add_background_task("convert", "media", TaskPriority.LOW, name=name)
        await app.start_task_workers("media", worker_count=1)
        await asyncio.sleep(60)
    else:  # hold the database open
        await app.task_stats()
        marker.write_text("open")
        await asyncio.sleep(60)


asyncio.run(main())
"""


def start_job(tmp_path: Path, mode: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    script = tmp_path / "job.py"
    script.write_text(JOB)
    database, marker = tmp_path / "tasks.duckdb", tmp_path / "marker"
    process = subprocess.Popen(
        [sys.executable, str(script), str(database), str(marker), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while not marker.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(process.communicate()[0].decode())
        time.sleep(0.05)
    return process, database, marker


def recovering_app(database: Path) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None, task_database=database)

    @app.task("convert", category="media")
    async def convert(name: str) -> str:
        return f"converted {name}"

    app.tasks.poll_interval = 0.05
    return app


async def test_a_worker_killed_mid_task_loses_nothing(tmp_path: Path) -> None:
    process, database, _ = start_job(tmp_path, "enqueue-and-work")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    app = recovering_app(database)
    try:
        assert await app.task_stats() == {"media": {"pending": 3}}  # "started" came back
        await app.start_task_workers("media", worker_count=2)
        for _ in range(250):
            stats = await app.task_stats()
            if stats == {"media": {"success": 3}}:
                break
            await asyncio.sleep(0.02)
        assert stats == {"media": {"success": 3}}
    finally:
        await app.shutdown()


async def test_a_second_process_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    process, database, _ = start_job(tmp_path, "hold")
    try:
        app = recovering_app(database)
        with pytest.raises(TaskStoreLocked, match="DuckDB allows one process per file"):
            await app.add_background_task("convert", name="x")
        # The refusal is repeatable and leaves nothing half-open.
        with pytest.raises(TaskStoreLocked):
            await app.task_stats()
    finally:
        process.kill()
        process.wait()
    assert (await app.get_task("missing")) is None  # usable once the file is free
    await app.shutdown()
