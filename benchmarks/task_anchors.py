"""The anchors of ``benchmarks/tasks.py``: the same no-op workload on arq (Redis) and on
huey (SQLite), in an interpreter that has them (``pip install arq huey``).

Each run enqueues ``--tasks`` tasks (arq 50 at a time, as the Gobstopper rows do; huey
one call each, as its API does) while 4 workers run in this process, and stops the clock
when the task bodies have run that many times. Prints one JSON object per anchor.

    python benchmarks/task_anchors.py --tasks 2000 --rounds 3 --redis-url redis://...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable

BATCH = 50
WORKERS = 4


async def measure_arq(tasks: int, redis_url: str) -> tuple[float, float]:
    """arq: jobs in Redis, an in-process :class:`arq.worker.Worker` with 4 concurrent jobs."""
    from arq import create_pool
    from arq.connections import RedisSettings
    from arq.worker import Worker, func

    done = asyncio.Event()
    count = 0

    async def noop(ctx: dict[str, object], n: int) -> int:
        nonlocal count
        count += 1
        if count >= tasks:
            done.set()
        return n

    settings = RedisSettings.from_dsn(redis_url)
    queue = f"arq:bench:{uuid.uuid4().hex}"
    pool = await create_pool(settings, default_queue_name=queue)
    worker = Worker(
        functions=[func(noop, name="noop")],
        redis_pool=pool,
        queue_name=queue,
        max_jobs=WORKERS,
        poll_delay=0.05,
        handle_signals=False,
        keep_result=60,
    )
    running = asyncio.ensure_future(worker.async_run())
    started = time.perf_counter()
    for first in range(0, tasks, BATCH):
        await asyncio.gather(
            *(pool.enqueue_job("noop", n) for n in range(first, min(tasks, first + BATCH)))
        )
    enqueued = time.perf_counter() - started
    await done.wait()
    completed = time.perf_counter() - started
    running.cancel()  # the clock has stopped: whatever arq still tidies up is not timed
    await asyncio.gather(running, *worker.tasks.values(), return_exceptions=True)
    await pool.aclose()
    return tasks / enqueued, tasks / completed


def measure_huey(tasks: int) -> tuple[float, float]:
    """huey: tasks in a SQLite file, an in-process consumer with 4 worker threads."""
    from huey import SqliteHuey

    huey = SqliteHuey("bench", filename=os.path.join(tempfile.mkdtemp(), "huey.db"))
    done = threading.Event()
    lock = threading.Lock()
    count = 0

    @huey.task()
    def noop(n: int) -> int:
        nonlocal count
        with lock:
            count += 1
            if count >= tasks:
                done.set()
        return n

    consumer = huey.create_consumer(
        workers=WORKERS,
        worker_type="thread",
        initial_delay=0.01,
        max_delay=0.1,
        periodic=False,
        check_worker_health=False,
    )
    consumer.start()
    started = time.perf_counter()
    for n in range(tasks):
        noop(n)
    enqueued = time.perf_counter() - started
    done.wait()
    completed = time.perf_counter() - started
    consumer.stop(graceful=True)
    return tasks / enqueued, tasks / completed


def row(name: str, tasks: int, rounds: int, measure: Callable[[], tuple[float, float]]) -> dict:
    runs = [measure() for _ in range(rounds)]
    return {
        "store": name,
        "tasks": tasks,
        "enqueued_per_second": round(statistics.median(run[0] for run in runs)),
        "completed_per_second": round(statistics.median(run[1] for run in runs)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis-url", required=True)
    args = parser.parse_args()
    rows = [
        row(
            "arq (Redis), anchor",
            args.tasks,
            args.rounds,
            lambda: asyncio.run(measure_arq(args.tasks, args.redis_url)),
        ),
        row("huey (SQLite), anchor", args.tasks, args.rounds, lambda: measure_huey(args.tasks)),
    ]
    for item in rows:
        print(json.dumps(item))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
