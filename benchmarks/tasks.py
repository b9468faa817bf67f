"""Background task throughput: no-op tasks from enqueue to completion, on the SQLite
default (``synchronous=NORMAL`` and ``FULL``), the DuckDB store and Redis Streams, with
workers in this process and in two ``run-tasks`` processes; and, in the same run, arq
(Redis) and huey (SQLite) as anchors.

Each run enqueues ``--tasks`` tasks 50 at a time while the workers run, and stops the
clock when the store counts them all successful. It reports tasks/s accepted by enqueue
and tasks/s completed end to end (the median of ``--rounds``). The anchors run in
``--anchor-python``, an interpreter with arq and huey installed (they are not
dependencies of Gobstopper); see ``task_anchors.py``.

    python -m venv /tmp/anchors && /tmp/anchors/bin/pip install arq huey
    python benchmarks/tasks.py --tasks 2000 --rounds 3 --anchor-python /tmp/anchors/bin/python
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from benchmarks.run import write_results  # noqa: E402
from tests.backends import RedisServer  # noqa: E402

BATCH = 50


async def measure(tasks: int, workers: int) -> tuple[float, float]:
    """Enqueue and complete ``tasks`` no-op tasks; returns (enqueued/s, completed/s)."""
    module = importlib.reload(importlib.import_module("task_app"))
    app = module.app
    if workers:
        await app.start_task_workers("bench", worker_count=workers)
    started = time.perf_counter()
    for first in range(0, tasks, BATCH):
        await asyncio.gather(
            *(app.add_background_task("noop", n=n) for n in range(first, min(tasks, first + BATCH)))
        )
    enqueued = time.perf_counter() - started
    while True:  # other processes may run the tasks: ask the store
        if (await app.task_stats()).get("bench", {}).get("success", 0) >= tasks:
            break
        await asyncio.sleep(0.05)
    completed = time.perf_counter() - started
    await app.shutdown()
    return tasks / enqueued, tasks / completed


def start_processes(count: int, workers: int) -> list[subprocess.Popen[str]]:
    processes = []
    for _ in range(count):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gobstopper",
                "run-tasks",
                "task_app:app",
                "--workers",
                str(workers),
            ],
            cwd=HERE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stderr is not None
        line = process.stderr.readline()
        if "worker(s) each for" not in line:
            raise RuntimeError(line + process.stderr.read())
        processes.append(process)
    return processes


def stop_processes(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=30)


SCENARIOS = {
    # name: (store, SQLite synchronous, run-tasks processes)
    "sqlite (default)": ("sqlite3", None, 0),
    "sqlite, synchronous=FULL": ("sqlite3", "FULL", 0),
    "sqlite, 2 run-tasks processes": ("sqlite3", None, 2),
    "duckdb": ("duckdb", None, 0),
    "redis": ("redis", None, 0),
    "redis, 2 run-tasks processes": ("redis", None, 2),
}


def run_scenario(name: str, args: argparse.Namespace, redis_url: str) -> dict[str, object]:
    store, synchronous, process_count = SCENARIOS[name]
    enqueue_rates, completion_rates = [], []
    for _ in range(args.rounds):
        directory = tempfile.mkdtemp()
        for variable in ("BENCH_TASK_REDIS", "BENCH_TASK_SYNCHRONOUS"):
            os.environ.pop(variable, None)
        os.environ["BENCH_TASK_DB"] = os.path.join(
            directory, f"tasks.{'sqlite3' if store == 'redis' else store}"
        )
        if synchronous:
            os.environ["BENCH_TASK_SYNCHRONOUS"] = synchronous
        if store == "redis":
            os.environ["BENCH_TASK_REDIS"] = redis_url
            os.environ["BENCH_TASK_PREFIX"] = f"bench:{uuid.uuid4().hex}"
        processes = start_processes(process_count, args.workers) if process_count else []
        in_process = 0 if process_count else args.workers
        try:
            enqueued, completed = asyncio.run(measure(args.tasks, in_process))
        finally:
            stop_processes(processes)
        enqueue_rates.append(enqueued)
        completion_rates.append(completed)
    return {
        "store": name,
        "tasks": args.tasks,
        "enqueued_per_second": round(statistics.median(enqueue_rates)),
        "completed_per_second": round(statistics.median(completion_rates)),
    }


def run_anchors(args: argparse.Namespace, redis_url: str) -> list[dict[str, object]]:
    """arq and huey, run by ``--anchor-python``; nothing when it is not given."""
    if args.anchor_python is None:
        print("anchors skipped: give --anchor-python, an interpreter with arq and huey")
        return []
    finished = subprocess.run(
        [
            args.anchor_python,
            str(HERE / "task_anchors.py"),
            "--tasks",
            str(args.tasks),
            "--rounds",
            str(args.rounds),
            "--redis-url",
            redis_url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode:
        print(f"anchors failed (exit {finished.returncode}):\n{finished.stderr}")
        return []
    return [json.loads(line) for line in finished.stdout.splitlines()]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4, help="workers per process")
    parser.add_argument("--redis-url")
    parser.add_argument("--anchor-python", help="an interpreter with arq and huey installed")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        help="measure only this one (repeatable; default: every one)",
    )
    parser.add_argument("--output", type=Path, default=HERE / "results" / "tasks.json")
    args = parser.parse_args()
    owned = None
    if args.redis_url is None:
        owned = RedisServer(Path(tempfile.mkdtemp())).start()
        args.redis_url = owned.url
    try:
        rows = [run_scenario(name, args, args.redis_url) for name in args.scenario or SCENARIOS]
        rows += run_anchors(args, args.redis_url)
    finally:
        if owned is not None:
            owned.close()
    print(f"{'store':<32}{'enqueued/s':>12}{'completed/s':>13}")
    for row in rows:
        print(
            f"{row['store']:<32}{row['enqueued_per_second']:>12}{row['completed_per_second']:>13}"
        )
    write_results(args.output, {"results": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
