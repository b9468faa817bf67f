"""The task methods of :class:`~gobstopper.Gobstopper`: declare, enqueue, run, inspect."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .models import TaskInfo, TaskPriority
from .queue import TaskQueue, TaskStore
from .registry import TaskRegistry

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ..blueprints import Blueprint
    from ..settings import Settings

__all__ = ["TaskMixin"]

F = TypeVar("F", bound=Callable[..., Any])


class TaskMixin:
    """Background tasks on the application object."""

    settings: Settings
    _task_registry: TaskRegistry
    _task_queue: TaskQueue | None
    _tasks_gathered_at: int = -1
    on_shutdown: Callable[[Callable[..., Any]], Any]  # from the application
    _mounted_blueprints: Callable[[], Iterator[Blueprint]]  # from the scaffold
    revision: int  # from the scaffold

    def task(self, name: str | None = None, category: str = "default") -> Callable[[F], F]:
        """Register the decorated function (async, or sync to run in a thread) as a
        background task called ``name`` (default: the function's name) in ``category``.

        >>> @app.task("resize_image", category="media")
        ... def resize(path: str, width: int) -> dict: ...
        """

        def decorator(func: F) -> F:
            self._task_registry.register(func, name, category)
            return func

        return decorator

    def _gather_blueprint_tasks(self) -> TaskRegistry:
        """The registry, holding the tasks of every mounted blueprint too; walked again only
        after a route, blueprint or task was added anywhere."""
        revision = self.revision
        if self._tasks_gathered_at != revision:
            for blueprint in self._mounted_blueprints():
                for declared in blueprint.declared_tasks:
                    self._task_registry.register(*declared)
            self._tasks_gathered_at = revision
        return self._task_registry

    @property
    def tasks(self) -> TaskQueue:
        """The task queue: on Redis Streams when ``GOBSTOPPER_TASK_BROKER`` is set, else in
        the file ``GOBSTOPPER_TASK_DATABASE`` (SQLite, or DuckDB if it ends in
        ``.duckdb``). Made on first use; closed, with
        workers stopped gracefully, at shutdown."""
        self._gather_blueprint_tasks()
        if self._task_queue is None:
            return self._install_task_queue(self._task_store())
        return self._task_queue

    @property
    def task_categories(self) -> set[str]:
        """Every category some declared task belongs to."""
        return self._gather_blueprint_tasks().categories()

    @property
    def tasks_confined_to_one_process(self) -> bool:
        """Whether tasks are declared and kept in a store only one process may open (a
        ``.duckdb`` file): ``gobstopper run -w N`` then refuses to start."""
        if not len(self._gather_blueprint_tasks()):
            return False
        if self._task_queue is not None:
            return self._task_queue.store.single_process
        from .embedded import is_duckdb_path

        return not self.settings.task_broker and is_duckdb_path(self.settings.task_database)

    def use_task_store(self, store: TaskStore) -> None:
        """Keep tasks in ``store`` instead of the configured one: a
        :class:`~gobstopper.tasks.redis_store.RedisTaskStore` with its own key prefix or
        timing, say. Call it before the first task is enqueued.

        >>> app.use_task_store(RedisTaskStore("redis://cache:6379/2", prefix="shop:tasks"))
        """
        if self._task_queue is not None:
            raise RuntimeError("the task store is already in use; choose it at startup")
        self._install_task_queue(store)

    def _install_task_queue(self, store: TaskStore) -> TaskQueue:
        self._task_queue = TaskQueue(self._task_registry, store)
        self.on_shutdown(self._task_queue.close)
        return self._task_queue

    def _task_store(self) -> TaskStore:
        if self.settings.task_broker:
            from .redis_store import RedisTaskStore

            return RedisTaskStore(self.settings.task_broker)
        from .embedded import embedded_store

        return embedded_store(self.settings.task_database)

    async def add_background_task(
        self,
        name: str,
        category: str | None = None,
        priority: TaskPriority | int = TaskPriority.NORMAL,
        /,
        **options: Any,
    ) -> str:
        """Store a task for the workers and return its id; the options and the task's
        arguments are those of :meth:`TaskQueue.enqueue
        <gobstopper.tasks.TaskQueue.enqueue>`. Bad input raises
        :class:`~gobstopper.tasks.TaskError` and stores nothing."""
        return await self.tasks.enqueue(name, category, priority, **options)

    async def start_task_workers(self, category: str = "default", worker_count: int = 2) -> None:
        """Run ``worker_count`` workers for ``category`` in this process."""
        await self.tasks.start_workers(category, worker_count)

    async def get_task(self, task_id: str) -> TaskInfo | None:
        """A task's status, result, error and traceback, attempts and timestamps."""
        return await self.tasks.get(task_id)

    async def cancel_task(self, task_id: str) -> bool:
        """Cancel a task that has not started; ``False`` if it already started or ended."""
        return await self.tasks.cancel(task_id)

    async def task_stats(self) -> dict[str, dict[str, int]]:
        """``{category: {status: count}}`` over every stored task."""
        return await self.tasks.stats()
