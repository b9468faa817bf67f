"""Background tasks: registered with ``@app.task``, stored durably, run by workers.

>>> @app.task("send_welcome", category="notifications")
... async def send_welcome(user_id: int) -> None: ...
>>> task_id = await app.add_background_task(
...     "send_welcome", "notifications", TaskPriority.HIGH, max_retries=3, user_id=7
... )
>>> await app.start_task_workers("notifications", worker_count=2)

The embedded store is a SQLite file (:mod:`~gobstopper.tasks.sqlite_store`), or a DuckDB
one (extra ``tasks``) when its name ends in ``.duckdb``; a store is imported on first use,
so ``TaskPriority`` and friends import without DuckDB.
"""

from .models import TaskInfo, TaskPriority, TaskStatus
from .queue import TaskError, TaskQueue
from .registry import TaskDefinition, TaskRegistry
from .retry import NoRetry, RetryPolicy

__all__ = [
    "NoRetry",
    "RetryPolicy",
    "TaskDefinition",
    "TaskError",
    "TaskInfo",
    "TaskPriority",
    "TaskQueue",
    "TaskRegistry",
    "TaskStatus",
]
