"""An application with background tasks, written to a directory for CLI and process tests.

Its store comes from the environment: ``TASK_REDIS`` and ``TASK_PREFIX`` (plus
``TASK_ABANDONED_AFTER``) choose Redis, else the file ``TASK_DB`` (SQLite, or DuckDB for
``*.duckdb``). Each task run is logged to ``TASK_LOG`` as ``start LABEL PID`` and
``done LABEL PID``; a task that was started before runs without sleeping, so a retried
task finishes quickly.
"""

from __future__ import annotations

import uuid
from pathlib import Path

__all__ = ["SOURCE", "write_task_app"]

SOURCE = """
import asyncio
import os
from pathlib import Path

from gobstopper import Gobstopper
from gobstopper.tasks.redis_store import RedisTaskStore

app = Gobstopper(__name__, static_folder=None, task_database=os.environ.get("TASK_DB"))
if os.environ.get("TASK_REDIS"):
    app.use_task_store(
        RedisTaskStore(
            os.environ["TASK_REDIS"],
            prefix=os.environ["TASK_PREFIX"],
            abandoned_after=float(os.environ.get("TASK_ABANDONED_AFTER", "30")),
        )
    )
log = Path(os.environ.get("TASK_LOG", "tasks.log"))


@app.task("work", category="data")
async def work(label: str, seconds: float = 0) -> str:
    again = log.exists() and f"start {label} " in log.read_text()
    with log.open("a") as file:
        file.write(f"start {label} {os.getpid()}\\n")
    if not again:
        await asyncio.sleep(seconds)
    with log.open("a") as file:
        file.write(f"done {label} {os.getpid()}\\n")
    return label


@app.task("ping", category="notifications")
def ping() -> str:
    return "pong"
"""


def write_task_app(directory: Path) -> str:
    """Write the application under a unique module name; returns ``module:app``."""
    name = f"taskapp_{uuid.uuid4().hex[:12]}"
    (directory / f"{name}.py").write_text(SOURCE)
    return f"{name}:app"
