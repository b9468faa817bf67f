"""Task workers in the web process, as generated projects run them: a store used by one
event loop after another (a test client each), and workers stopped while they are busy."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

from gobstopper.tasks import TaskInfo, TaskPriority, TaskQueue, TaskRegistry, TaskStatus
from gobstopper.tasks.duckdb_store import DuckDBTaskStore


def _task(number: int) -> TaskInfo:
    now = datetime.now(timezone.utc)
    return TaskInfo(
        id=f"task-{number}",
        name="noop",
        category="jobs",
        priority=TaskPriority.NORMAL,
        status=TaskStatus.PENDING,
        kwargs={},
        created_at=now,
        run_at=now,
    )


def test_a_new_task_wakes_a_waiting_worker_in_each_new_event_loop(tmp_path: Path) -> None:
    store = DuckDBTaskStore(tmp_path / "tasks.duckdb")

    async def wait_while_a_task_is_added(number: int) -> None:
        await store.open()
        try:
            waiting = asyncio.ensure_future(store.wait("jobs", timeout=30))
            await asyncio.sleep(0)  # the worker's wait has begun in this loop
            await store.add(_task(number))
            await asyncio.wait_for(waiting, timeout=10)
        finally:
            await store.close()

    for number in range(2):
        asyncio.run(wait_while_a_task_is_added(number))


class _SlowClaims:
    """A store whose claims wait for the test; it records whether a worker went idle."""

    single_process = True

    def __init__(self) -> None:
        self.claiming = asyncio.Event()
        self.release = asyncio.Event()
        self.waited = False

    async def open(self) -> int:
        return 0

    async def close(self) -> None:
        return None

    async def claim(self, category: str, now: datetime) -> TaskInfo | None:
        self.claiming.set()
        await self.release.wait()
        return None

    async def next_run_at(self, category: str) -> datetime | None:
        return None

    async def wait(self, category: str, timeout: float) -> None:
        self.waited = True
        await asyncio.sleep(timeout)


async def test_a_worker_busy_when_stopped_does_not_wait_for_more_work() -> None:
    registry = TaskRegistry()
    registry.register(lambda: None, "noop", "jobs")
    store = _SlowClaims()
    queue = TaskQueue(registry, store, poll_interval=30)
    await queue.start_workers("jobs", worker_count=1)
    await store.claiming.wait()
    stopping = asyncio.ensure_future(queue.stop(grace=60))
    await asyncio.sleep(0)
    store.release.set()
    await stopping
    assert not store.waited
