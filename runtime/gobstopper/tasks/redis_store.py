"""Tasks in Redis Streams: the broker for many worker processes and machines.

Each category has a stream per priority, read through one consumer group, so every task
goes to one worker and workers always take the highest priority first. A task is
acknowledged only once its outcome is recorded. A worker process keeps its running tasks
fresh in the group; a task whose worker died (no refresh for ``abandoned_after``
seconds) is taken over by the next worker that asks for work, so delivery is at least
once. Records, results and per-status counts live in Redis next to the streams; use a
Redis with persistence (AOF) if accepted tasks must survive a Redis restart.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, cast

import msgspec

from ..backends.redis import REDIS_ERRORS, RedisClient, redis, redis_unavailable
from . import redis_scripts as scripts
from .models import TaskInfo, TaskPriority, TaskStatus, finished_status_values

if TYPE_CHECKING:
    from redis.typing import StreamIdT

__all__ = ["RedisTaskStore"]

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.decode


def _epoch(value: datetime) -> str:
    return repr(value.timestamp())


def _time(value: bytes | None) -> datetime | None:
    return None if not value else datetime.fromtimestamp(float(value), timezone.utc)


def _record_to_info(fields: dict[bytes, bytes]) -> TaskInfo:
    text = {key.decode(): value.decode() for key, value in fields.items()}
    return TaskInfo(
        id=text["id"],
        name=text["name"],
        category=text["category"],
        priority=TaskPriority(int(text["priority"])),
        status=TaskStatus(text["status"]),
        kwargs=_decode(text["kwargs"]),
        result=_decode(text["result"]) if text.get("result") else None,
        error=text.get("error") or None,
        traceback=text.get("traceback") or None,
        attempts=int(text.get("attempts", 0)),
        max_retries=int(text["max_retries"]),
        timeout=float(text["timeout"]) if text.get("timeout") else None,
        created_at=_time(fields[b"created_at"]),  # type: ignore[arg-type]
        run_at=_time(fields[b"run_at"]),  # type: ignore[arg-type]
        started_at=_time(fields.get(b"started_at")),
        finished_at=_time(fields.get(b"finished_at")),
    )


def _consumer_name() -> str:
    """This process's name in the consumer groups: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _pairs(flat: list[bytes]) -> dict[bytes, bytes]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


class RedisTaskStore:
    """Tasks on the Redis server at ``url``, under the key prefix ``prefix``.

    :param abandoned_after: seconds after which a running task whose process stopped
        refreshing it is given to another worker. Running tasks are refreshed every third
        of that, so it bounds how long a dead worker's tasks wait, not how long a task may
        run.
    :param timeout: seconds to connect and to wait for each reply; an unreachable Redis
        makes enqueueing and reading raise
        :class:`~gobstopper.backends.errors.BackendUnavailable` (HTTP 503).
    """

    single_process = False

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "gobstopper:tasks",
        abandoned_after: float = 30.0,
        timeout: float = 5.0,
    ) -> None:
        if abandoned_after <= 0:
            raise ValueError(f"abandoned_after must be positive, got {abandoned_after!r}")
        self.url = url
        self.prefix = prefix
        self.abandoned_after = abandoned_after
        self._client = RedisClient(url, timeout=timeout)
        self._timeout = timeout
        self._consumer = _consumer_name()
        self._scripts: dict[str, Any] = {}
        self._running: dict[str, tuple[bytes, bytes]] = {}
        self._last_ids: dict[str, list[bytes]] = {}
        self._groups: set[str] = set()
        self._heartbeat: asyncio.Task[None] | None = None

    def _script(self, source: str) -> Any:
        client = self._client.get()
        script = self._scripts.get(source)
        if script is None or script.registered_client is not client:
            script = self._scripts[source] = client.register_script(source)
        return script

    async def _call(self, source: str, *args: Any) -> Any:
        with redis_unavailable("task broker"):
            return await self._script(source)(args=[self.prefix, *args])

    def _stream(self, category: str, priority: int) -> str:
        return f"{self.prefix}:q:{category}:{priority}"

    # -- lifecycle ------------------------------------------------------------------------

    async def open(self) -> int:
        """Check the server answers. Interrupted tasks need no recovery step: workers
        take them over as they ask for work. Returns 0."""
        self._consumer = _consumer_name()  # a forked worker is a consumer of its own
        with redis_unavailable("task broker"):
            await self._client.get().ping()
        return 0

    async def close(self) -> None:
        """Stop refreshing running tasks and close this loop's connections."""
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
            self._heartbeat = None
        await self._client.aclose()

    async def _ensure_groups(self, category: str) -> None:
        if category in self._groups:
            return
        client = self._client.get()
        for priority in TaskPriority:
            try:
                await client.xgroup_create(
                    self._stream(category, priority), scripts.GROUP, id="0", mkstream=True
                )
            except redis.ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise
        self._groups.add(category)

    # -- writing --------------------------------------------------------------------------

    async def add(self, info: TaskInfo) -> None:
        """Store a new task and queue it (or hold it until its start time)."""
        fields: list[Any] = [
            "id", info.id,
            "name", info.name,
            "category", info.category,
            "priority", int(info.priority),
            "kwargs", _encode(info.kwargs),
            "attempts", 0,
            "max_retries", info.max_retries,
            "timeout", "" if info.timeout is None else repr(info.timeout),
            "created_at", _epoch(info.created_at),
            "run_at", _epoch(info.run_at),
        ]  # fmt: skip
        await self._call(
            scripts.ENQUEUE,
            info.id,
            info.category,
            int(info.priority),
            _epoch(info.run_at),
            _epoch(info.created_at),
            *fields,
        )

    async def claim(self, category: str, now: datetime) -> TaskInfo | None:
        """Start the next task of ``category``: one whose worker died first, then the
        highest priority, oldest first."""
        await self._ensure_groups(category)
        idle = int(self.abandoned_after * 1000)
        try:
            reply = await self._script(scripts.CLAIM)(
                args=[self.prefix, category, self._consumer, _epoch(now), idle]
            )
        except redis.ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            self._groups.discard(category)  # the server lost its data: make them again
            return None
        stream, entry, record = reply
        if not stream:
            self._last_ids[category] = record
            return None
        info = _record_to_info(_pairs(record))
        self._running[info.id] = (stream, entry)
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.ensure_future(self._refresh_running())
        return info

    async def _refresh_running(self) -> None:
        """Keep this process's running tasks from looking abandoned."""
        interval = self.abandoned_after / 3
        while self._running:
            await asyncio.sleep(interval)
            by_stream: dict[bytes, list[StreamIdT]] = {}
            for stream, entry in list(self._running.values()):
                by_stream.setdefault(stream, []).append(entry)
            try:
                async with self._client.get().pipeline(transaction=False) as pipe:
                    for stream, entries in by_stream.items():
                        pipe.xclaim(stream, scripts.GROUP, self._consumer, 0, entries, justid=True)
                    await pipe.execute()
            except REDIS_ERRORS:
                continue

    async def next_run_at(self, category: str) -> datetime | None:
        """When the next delayed or retrying task of ``category`` is due."""
        due = await self._client.get().zrange(f"{self.prefix}:d:{category}", 0, 0, withscores=True)
        return datetime.fromtimestamp(float(due[0][1]), timezone.utc) if due else None

    async def wait(self, category: str, timeout: float) -> None:
        """Return once a task may have been queued in ``category`` (by any process since
        the last empty claim), or after ``timeout`` seconds."""
        last = self._last_ids.get(category)
        streams = [self._stream(category, priority) for priority in reversed(TaskPriority)]
        ids = last if last and len(last) == len(streams) else ["$"] * len(streams)
        block = max(1, int(min(timeout, self._timeout / 2) * 1000))  # within a reply
        await self._client.get().xread(dict(zip(streams, ids, strict=True)), count=1, block=block)

    async def _finish(
        self,
        task_id: str,
        outcome: TaskStatus,
        now: datetime,
        retry_at: datetime | None,
        *fields: Any,
    ) -> None:
        running = self._running.pop(task_id, None)
        if running is None:  # already recorded (a stop interrupted the recording)
            return
        stream, entry = running
        category = stream.decode().rsplit(":", 2)[-2]
        await self._call(
            scripts.FINISH,
            task_id,
            category,
            stream,
            entry,
            outcome.value,
            _epoch(now),
            "" if retry_at is None else _epoch(retry_at),
            *fields,
        )

    async def succeed(self, task_id: str, result: bytes, now: datetime) -> None:
        """Record success and the JSON-encoded result, then acknowledge the task."""
        await self._finish(
            task_id,
            TaskStatus.SUCCESS,
            now,
            None,
            "result", result,
            "error", "",
            "traceback", "",
            "finished_at", _epoch(now),
        )  # fmt: skip

    async def fail(
        self, task_id: str, error: str, traceback: str, now: datetime, retry_at: datetime | None
    ) -> None:
        """Record a failure: ``retrying`` until ``retry_at``, or ``failed`` for good."""
        fields: list[Any] = ["error", error, "traceback", traceback]
        if retry_at is None:
            await self._finish(
                task_id, TaskStatus.FAILED, now, None, *fields, "finished_at", _epoch(now)
            )
        else:
            await self._finish(
                task_id, TaskStatus.RETRYING, now, retry_at, *fields, "run_at", _epoch(retry_at)
            )

    async def requeue(self, task_id: str) -> None:
        """Give a started task back (shutting down): the next worker takes it first, and
        this attempt is not counted."""
        await self._finish(task_id, TaskStatus.PENDING, datetime.now(timezone.utc), None)

    async def cancel(self, task_id: str, now: datetime) -> bool:
        """Cancel a task that has not started; returns whether it was cancelled."""
        return bool(await self._call(scripts.CANCEL, task_id, _epoch(now)))

    async def delete_finished(
        self, before: datetime, statuses: tuple[TaskStatus, ...] | None = None
    ) -> int:
        """Delete finished tasks that finished before ``before``; returns how many."""
        values = finished_status_values(statuses)
        if not values:
            return 0
        offset, deleted, batch = 0, 0, 500
        while True:
            examined, kept, removed = await self._call(
                scripts.DELETE_FINISHED, _epoch(before), offset, batch, *values
            )
            deleted += int(removed)
            offset += kept
            if examined < batch:
                return deleted

    # -- reading --------------------------------------------------------------------------

    async def get(self, task_id: str) -> TaskInfo | None:
        """The task ``task_id``, or ``None``."""
        with redis_unavailable("task broker"):
            fields = await self._client.get().hgetall(f"{self.prefix}:t:{task_id}")
        # The client does not decode replies: keys and values are bytes.
        return _record_to_info(cast("dict[bytes, bytes]", fields)) if fields else None

    async def stats(self) -> dict[str, dict[str, int]]:
        """``{category: {status: count}}``."""
        client = self._client.get()
        with redis_unavailable("task broker"):
            members = await client.smembers(f"{self.prefix}:c")
            categories = sorted(cast("set[bytes]", members))  # replies are not decoded
            async with client.pipeline(transaction=False) as pipe:
                for category in categories:
                    pipe.hgetall(f"{self.prefix}:n:{category.decode()}")
                counts = await pipe.execute()
        stats: dict[str, dict[str, int]] = {}
        for category, by_status in zip(categories, counts, strict=True):
            present = {status.decode(): int(count) for status, count in sorted(by_status.items())}
            present = {status: count for status, count in present.items() if count > 0}
            if present:
                stats[category.decode()] = present
        return stats
