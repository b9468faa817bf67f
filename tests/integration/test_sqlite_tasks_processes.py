"""The SQLite task store across real processes: an accepted task survives ``kill -9``, a
task whose worker was killed runs again once its lease lapses, and a live worker's lease
is renewed so nobody else takes its task, and two ``gobstopper run -w 2`` workers share
the default file. (Two ``run-tasks`` processes sharing a file: ``test_task_workers.py``.)"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gobstopper import Gobstopper
from gobstopper.tasks import TaskStatus
from gobstopper.tasks.sqlite_store import SQLiteTaskStore
from tests.conftest import wait_for_workers

pytestmark = pytest.mark.integration

JOB = """
import asyncio, os, sys
from pathlib import Path

from gobstopper import Gobstopper
from gobstopper.tasks.sqlite_store import SQLiteTaskStore

database, runs, mode = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
app = Gobstopper(__name__, static_folder=None)
app.use_task_store(SQLiteTaskStore(database, lease=float(os.environ.get("LEASE", "30"))))


@app.task("convert", category="media")
async def convert(name: str, seconds: float = 0) -> str:
    with runs.open("a") as log:
        log.write(f"{name} {os.getpid()}\\n")
    await asyncio.sleep(seconds)
    return f"converted {name}"


async def enqueue_forever():
    n = 0
    while True:
        ids = await asyncio.gather(
            *(app.add_background_task("convert", name=f"t{n + i}") for i in range(10))
        )
        n += 10
        print(*ids, sep="\\n", flush=True)


async def work():
    await app.start_task_workers("media", worker_count=2)
    await asyncio.sleep(120)


asyncio.run(enqueue_forever() if mode == "enqueue" else work())
"""


def recovering_app(database: Path, runs: Path, lease: float = 30.0) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None)
    app.use_task_store(SQLiteTaskStore(database, lease=lease))

    @app.task("convert", category="media")
    async def convert(name: str, seconds: float = 0) -> str:
        with runs.open("a") as log:
            log.write(f"{name} {os.getpid()}\n")
        return f"converted {name}"

    app.tasks.poll_interval = 0.05
    return app


def start(tmp_path: Path, mode: str, lease: float = 30.0) -> subprocess.Popen[str]:
    script = tmp_path / "job.py"
    script.write_text(JOB)
    return subprocess.Popen(
        [
            sys.executable,
            str(script),
            str(tmp_path / "tasks.sqlite3"),
            str(tmp_path / "runs"),
            mode,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LEASE": str(lease)},
    )


def ran(tmp_path: Path) -> list[str]:
    """The names of the task runs logged so far, one per run."""
    runs = tmp_path / "runs"
    return [line.split()[0] for line in runs.read_text().splitlines()] if runs.exists() else []


async def until(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_every_accepted_task_survives_kill_9_and_completes_after_a_restart(
    tmp_path: Path,
) -> None:
    process = start(tmp_path, "enqueue")
    assert process.stdout is not None
    accepted = [process.stdout.readline().strip() for _ in range(300)]
    os.kill(process.pid, signal.SIGKILL)  # while it is still enqueueing
    process.wait()
    assert all(len(task_id) == 32 for task_id in accepted), process.stderr.read()  # type: ignore[union-attr]

    app = recovering_app(tmp_path / "tasks.sqlite3", tmp_path / "runs")
    try:
        await app.start_task_workers("media", worker_count=4)

        async def all_done() -> bool:
            infos = await asyncio.gather(*(app.get_task(task_id) for task_id in accepted))
            return all(info is not None and info.status is TaskStatus.SUCCESS for info in infos)

        await until(all_done)
    finally:
        await app.shutdown()


async def test_a_task_whose_worker_was_killed_runs_again_once_its_lease_lapses(
    tmp_path: Path,
) -> None:
    database, runs = tmp_path / "tasks.sqlite3", tmp_path / "runs"
    first = recovering_app(database, runs)
    task_id = await first.add_background_task("convert", name="big", seconds=60)
    await first.shutdown()
    process = start(tmp_path, "work", lease=1.0)
    app = recovering_app(database, runs, lease=1.0)
    try:

        async def started() -> bool:
            return ran(tmp_path) == ["big"]

        await until(started)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        killed_at = time.monotonic()
        assert (await app.get_task(task_id)).status is TaskStatus.STARTED  # type: ignore[union-attr]

        await app.start_task_workers("media", worker_count=1)

        async def succeeded() -> bool:
            return (await app.get_task(task_id)).status is TaskStatus.SUCCESS  # type: ignore[union-attr]

        await until(succeeded)
        assert time.monotonic() - killed_at > 0.3  # it waited for the lease, not less
        info = await app.get_task(task_id)
        assert ran(tmp_path) == ["big", "big"]  # at least once: the killed run, then this one
        assert info.attempts == 2  # type: ignore[union-attr]
    finally:
        process.kill()
        process.wait()
        await app.shutdown()


async def test_a_running_task_keeps_its_lease_so_no_other_process_takes_it(
    tmp_path: Path,
) -> None:
    database, runs = tmp_path / "tasks.sqlite3", tmp_path / "runs"
    app = recovering_app(database, runs, lease=1.2)
    long = await app.add_background_task("convert", name="long", seconds=3.0)
    process = start(tmp_path, "work", lease=1.2)
    try:

        async def started() -> bool:
            return ran(tmp_path) == ["long"]

        await until(started)
        await app.start_task_workers("media", worker_count=2)  # polls while "long" runs

        async def succeeded() -> bool:
            return (await app.get_task(long)).status is TaskStatus.SUCCESS  # type: ignore[union-attr]

        await until(succeeded)
        assert ran(tmp_path) == ["long"]  # the other process renewed its lease meanwhile
    finally:
        process.kill()
        process.wait()
        await app.shutdown()


SERVED = """
import os

from gobstopper import Gobstopper

app = Gobstopper(__name__)  # tasks in the default file, gobstopper_tasks.sqlite3


@app.task("whoami", category="media")
async def whoami(n: int) -> int:
    return os.getpid()


@app.on_startup
async def workers():
    await app.start_task_workers("media", worker_count=2)


@app.get("/pid")
async def pid():
    return {"pid": os.getpid()}


@app.post("/tasks/<int:n>")
async def enqueue(n: int):
    return {"task": await app.add_background_task("whoami", n=n), "pid": os.getpid()}, 202


@app.get("/tasks/<task_id>")
async def task(task_id: str):
    info = await app.get_task(task_id)
    return {"status": info.status.value, "result": info.result}
"""


def test_two_server_workers_share_the_default_file(serve, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GOBSTOPPER_TASK_DATABASE", raising=False)
    monkeypatch.delenv("GOBSTOPPER_TASK_BROKER", raising=False)
    server = serve(SERVED, "-w", "2", "--no-env-file")
    wait_for_workers(server, "/pid")
    with httpx.Client(base_url=server.url, timeout=10) as client:
        accepted = [client.post(f"/tasks/{n}", headers={"connection": "close"}) for n in range(40)]
        assert {answer.status_code for answer in accepted} == {202}
        assert len({answer.json()["pid"] for answer in accepted}) == 2  # both enqueued
        results = []
        for answer in accepted:
            for _ in range(250):
                body = client.get(f"/tasks/{answer.json()['task']}").json()
                if body["status"] == "success":
                    break
                time.sleep(0.02)
            assert body["status"] == "success", body
            results.append(body["result"])
    assert len(set(results)) == 2  # and the workers of both processes ran tasks
