"""The task queue: validates and stores new tasks, and runs them in worker coroutines.

Delivery is at least once: a task whose process died while running it is run again after
a restart, so tasks should be idempotent (check whether the work is done, or key side
effects by the task id).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import traceback
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

import msgspec

from .models import TaskInfo, TaskPriority, TaskStatus
from .registry import TaskDefinition, TaskRegistry
from .retry import NoRetry, RetryPolicy

__all__ = ["TaskError", "TaskQueue", "TaskStore"]

logger = logging.getLogger("gobstopper.tasks")

_encode = msgspec.json.Encoder().encode


class TaskError(ValueError):
    """A task cannot be enqueued as asked: the message says why."""


class TaskStore(Protocol):
    """Where tasks are kept (see :class:`~gobstopper.tasks.sqlite_store.SQLiteTaskStore`).

    ``single_process`` says whether only one process at a time may use the store.
    """

    single_process: bool

    async def open(self) -> int: ...
    async def close(self) -> None: ...
    async def add(self, info: TaskInfo) -> None: ...
    async def claim(self, category: str, now: datetime) -> TaskInfo | None: ...
    async def next_run_at(self, category: str) -> datetime | None: ...
    async def wait(self, category: str, timeout: float) -> None: ...
    async def succeed(self, task_id: str, result: bytes, now: datetime) -> None: ...
    async def fail(
        self, task_id: str, error: str, traceback: str, now: datetime, retry_at: datetime | None
    ) -> None: ...
    async def requeue(self, task_id: str) -> None: ...
    async def cancel(self, task_id: str, now: datetime) -> bool: ...
    async def get(self, task_id: str) -> TaskInfo | None: ...
    async def stats(self) -> dict[str, dict[str, int]]: ...
    async def delete_finished(
        self, before: datetime, statuses: tuple[TaskStatus, ...] | None = None
    ) -> int: ...


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _priority(value: Any) -> TaskPriority:
    if isinstance(value, bool):
        raise TaskError(f"priority must be a TaskPriority, not {value!r}")
    try:
        return TaskPriority(value)
    except ValueError:
        allowed = ", ".join(f"{p.name} ({p.value})" for p in TaskPriority)
        raise TaskError(f"priority {value!r} is not one of {allowed}") from None


class TaskQueue:
    """Tasks of one application in one store.

    :param poll_interval: longest a worker sleeps before looking for due tasks again.
    """

    def __init__(
        self,
        registry: TaskRegistry,
        store: TaskStore,
        *,
        retry: RetryPolicy | None = None,
        poll_interval: float = 1.0,
    ) -> None:
        self.registry = registry
        self.store = store
        self.retry = retry or RetryPolicy()
        self.poll_interval = poll_interval
        self._opened: asyncio.Task[None] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._idle_workers: set[asyncio.Task[Any]] = set()
        self._stopping = False

    async def open(self) -> None:
        """Open the store once (recovering tasks a crash interrupted); a failure is
        raised to every caller and the next call tries again."""
        if self._opened is None:
            self._opened = asyncio.ensure_future(self._open_store())
        opening = self._opened
        try:
            await asyncio.shield(opening)
        except Exception:
            if self._opened is opening:
                self._opened = None
            raise

    async def _open_store(self) -> None:
        recovered = await self.store.open()
        if recovered:
            logger.warning("%d task(s) interrupted by a crash are pending again", recovered)

    # -- enqueueing -----------------------------------------------------------------------

    async def enqueue(
        self,
        name: str,
        category: str | None = None,
        priority: TaskPriority | int = TaskPriority.NORMAL,
        /,
        *,
        max_retries: int = 0,
        delay: float | timedelta | None = None,
        run_at: datetime | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> str:
        """Store a task and return its id; bad input raises :class:`TaskError` before
        anything is stored.

        ``kwargs`` are the task's arguments (JSON-serialisable). ``name``, ``category``
        and ``priority`` are positional, so a task may take arguments of those names, but
        not ones called ``max_retries``, ``delay``, ``run_at`` or ``timeout``: those are
        the retries allowed after the first attempt, when to start (seconds from now, or
        a timezone-aware time) and the seconds an attempt may take.
        """
        definition = self._definition(name, category)
        info = TaskInfo(
            id=uuid.uuid4().hex,
            name=name,
            category=definition.category,
            priority=_priority(priority),
            status=TaskStatus.PENDING,
            kwargs=self._checked_arguments(definition, kwargs),
            max_retries=self._checked_retries(max_retries),
            timeout=self._checked_timeout(timeout),
            created_at=(now := _now()),
            run_at=self._start_time(now, delay, run_at),
        )
        await self.open()
        await self.store.add(info)
        return info.id

    def _definition(self, name: str, category: str | None) -> TaskDefinition:
        try:
            definition = self.registry.get(name)
        except LookupError as error:
            raise TaskError(str(error)) from None
        if category is not None and category != definition.category:
            raise TaskError(
                f"task {name!r} belongs to category {definition.category!r}, not {category!r}"
            )
        return definition

    @staticmethod
    def _checked_arguments(definition: TaskDefinition, kwargs: dict[str, Any]) -> dict[str, Any]:
        try:
            inspect.signature(definition.func).bind(**kwargs)
        except TypeError as error:
            raise TaskError(f"task {definition.name!r}: {error}") from None
        try:
            return msgspec.json.decode(_encode(kwargs), type=dict[str, Any])
        except (TypeError, msgspec.EncodeError) as error:
            raise TaskError(
                f"task {definition.name!r}: arguments must be JSON-serialisable ({error})"
            ) from None

    @staticmethod
    def _checked_retries(max_retries: int) -> int:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise TaskError(f"max_retries must be a whole number ≥ 0, got {max_retries!r}")
        return max_retries

    @staticmethod
    def _checked_timeout(timeout: float | None) -> float | None:
        if timeout is not None and not timeout > 0:
            raise TaskError(f"timeout must be a positive number of seconds, got {timeout!r}")
        return timeout

    @staticmethod
    def _start_time(
        now: datetime, delay: float | timedelta | None, run_at: datetime | None
    ) -> datetime:
        if delay is not None and run_at is not None:
            raise TaskError("give delay or run_at, not both")
        if run_at is not None:
            if run_at.tzinfo is None:
                raise TaskError("run_at must be timezone-aware (datetime.now(timezone.utc))")
            return run_at
        if delay is None:
            return now
        seconds = delay.total_seconds() if isinstance(delay, timedelta) else delay
        if seconds < 0:
            raise TaskError(f"delay must not be negative, got {delay!r}")
        return now + timedelta(seconds=seconds)

    # -- reading and cancelling -------------------------------------------------------------

    async def get(self, task_id: str) -> TaskInfo | None:
        """The stored record of ``task_id``."""
        await self.open()
        return await self.store.get(task_id)

    async def cancel(self, task_id: str) -> bool:
        """Cancel a task that has not started; ``False`` if it started or finished."""
        await self.open()
        return await self.store.cancel(task_id, _now())

    async def stats(self) -> dict[str, dict[str, int]]:
        """How many tasks each category has in each status."""
        await self.open()
        return await self.store.stats()

    # -- workers --------------------------------------------------------------------------

    async def start_workers(self, category: str = "default", worker_count: int = 2) -> None:
        """Run ``worker_count`` workers for ``category`` in this event loop."""
        if worker_count < 1:
            raise ValueError(f"worker_count must be at least 1, got {worker_count}")
        if category not in self.registry.categories():
            known = ", ".join(sorted(self.registry.categories())) or "none"
            raise ValueError(f"no task is registered in category {category!r} (known: {known})")
        await self.open()
        self._stopping = False
        for number in range(worker_count):
            worker = asyncio.ensure_future(self._work(category))
            worker.set_name(f"gobstopper-task-worker-{category}-{number}")
            self._workers.append(worker)

    async def stop(self, grace: float = 10.0) -> None:
        """Stop taking tasks; give running ones ``grace`` seconds, then put them back."""
        self._stopping = True
        for idle in self._idle_workers:
            idle.cancel()
        if self._workers:
            _, late = await asyncio.wait(self._workers, timeout=grace)
            for worker in late:
                worker.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers.clear()

    async def close(self, grace: float = 10.0) -> None:
        """Stop the workers and close the store."""
        await self.stop(grace)
        if self._opened is not None:
            await self.store.close()
            self._opened = None

    async def _work(self, category: str) -> None:
        while not self._stopping:
            try:
                task = await self.store.claim(category, _now())
                if task is None:
                    await self._idle(category)
                elif self._stopping:
                    await self.store.requeue(task.id)
                else:
                    await self._run(task)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The store is unreachable: a task whose outcome was not recorded runs
                # again later (delivery is at least once).
                logger.exception("task store failed while working in %r", category)
                await asyncio.sleep(self.poll_interval)

    async def _idle(self, category: str) -> None:
        worker = asyncio.current_task()
        assert worker is not None
        self._idle_workers.add(worker)
        try:
            if self._stopping:  # stop() came while this worker was busy: nothing to wait for
                return
            wait = self.poll_interval
            due = await self.store.next_run_at(category)
            if due is not None:
                wait = max(0.0, min(wait, (due - _now()).total_seconds()))
            await self.store.wait(category, wait)
        finally:
            self._idle_workers.discard(worker)

    async def _run(self, task: TaskInfo) -> None:
        try:
            await self._execute(task)
        except asyncio.CancelledError:
            await self.store.requeue(task.id)
            logger.info("task %s (%s) was put back: shutting down", task.id, task.name)
            raise

    async def _execute(self, task: TaskInfo) -> None:
        try:
            definition = self.registry.get(task.name)
            if definition.is_async:
                call = definition.func(**task.kwargs)
            else:
                call = asyncio.to_thread(definition.func, **task.kwargs)
            result = await asyncio.wait_for(call, task.timeout) if task.timeout else await call
            try:
                encoded = _encode(result)
            except (TypeError, msgspec.EncodeError) as error:
                raise TypeError(f"the result is not JSON-serialisable: {error}") from None
        except asyncio.TimeoutError:
            await self._failed(task, f"timed out after {task.timeout:g}s", "")
        except Exception as error:
            final = isinstance(error, NoRetry)
            trace = traceback.format_exc()
            await self._failed(task, f"{type(error).__name__}: {error}", trace, final=final)
        else:
            await self.store.succeed(task.id, encoded, _now())

    async def _failed(self, task: TaskInfo, error: str, trace: str, final: bool = False) -> None:
        retry_at = None
        if not final and task.attempts <= task.max_retries:
            retry_at = _now() + timedelta(seconds=self.retry.delay(task.attempts))
        logger.warning(
            "task %s (%s) attempt %d failed: %s%s",
            task.id,
            task.name,
            task.attempts,
            error,
            "" if retry_at is None else f"; retrying at {retry_at:%H:%M:%S}",
        )
        await self.store.fail(task.id, error, trace, _now(), retry_at)
