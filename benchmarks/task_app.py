"""The application ``benchmarks/tasks.py`` measures: one no-op task.

The store comes from the environment: ``BENCH_TASK_REDIS`` and ``BENCH_TASK_PREFIX`` for
Redis Streams, else the file ``BENCH_TASK_DB`` (SQLite, or DuckDB for ``*.duckdb``), with
SQLite's ``BENCH_TASK_SYNCHRONOUS`` when set.
"""

from __future__ import annotations

import os

from gobstopper import Gobstopper
from gobstopper.tasks.redis_store import RedisTaskStore
from gobstopper.tasks.sqlite_store import SQLiteTaskStore

app = Gobstopper(__name__, static_folder=None, task_database=os.environ.get("BENCH_TASK_DB"))
if url := os.environ.get("BENCH_TASK_REDIS"):
    app.use_task_store(RedisTaskStore(url, prefix=os.environ["BENCH_TASK_PREFIX"]))
elif synchronous := os.environ.get("BENCH_TASK_SYNCHRONOUS"):
    app.use_task_store(SQLiteTaskStore(os.environ["BENCH_TASK_DB"], synchronous=synchronous))


@app.task("noop", category="bench")
async def noop(n: int) -> int:
    return n
