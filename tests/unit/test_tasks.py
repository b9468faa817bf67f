"""Background tasks on real SQLite and DuckDB files and a real Redis: order, retries,
timeouts, validation, delays, cancelling, graceful shutdown. Every test runs on every
store."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gobstopper import Blueprint, Gobstopper
from gobstopper.tasks import NoRetry, RetryPolicy, TaskError, TaskPriority, TaskStatus
from gobstopper.tasks.redis_store import RedisTaskStore

calls: list[str] = []
attempts: dict[str, int] = {}


def make_app(store: str) -> Gobstopper:
    """An app whose tasks live in ``store``: a SQLite or DuckDB path, or
    ``redis://…#prefix``."""
    if store.startswith("redis://"):
        url, _, prefix = store.partition("#")
        app = Gobstopper(__name__, static_folder=None)
        app.use_task_store(RedisTaskStore(url, prefix=prefix))
    else:
        app = Gobstopper(__name__, static_folder=None, task_database=store)

    @app.task("record", category="data")
    async def record(label: str) -> str:
        calls.append(label)
        return label.upper()

    @app.task("double", category="data")
    def double(n: int) -> int:  # sync: runs in a thread
        return n * 2

    @app.task("flaky", category="data")
    async def flaky(key: str, failures: int) -> str:
        attempts[key] = attempts.get(key, 0) + 1
        if attempts[key] <= failures:
            raise ConnectionError(f"attempt {attempts[key]} failed")
        return "finally"

    @app.task("hopeless", category="data")
    def hopeless(key: str) -> str:  # sync: the error crosses the thread
        attempts[key] = attempts.get(key, 0) + 1
        raise NoRetry(f"{key} cannot work")

    @app.task("slow", category="data")
    async def slow(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "slept"

    @app.task("unencodable", category="data")
    async def unencodable() -> object:
        return object()

    @app.task("notify", category="notifications")
    async def notify(user_id: int) -> None:
        calls.append(f"notify {user_id}")

    app.tasks.retry = RetryPolicy(base=0.02, cap=0.05)
    app.tasks.poll_interval = 0.05
    return app


@pytest.fixture(params=["sqlite", "duckdb", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where one test keeps its tasks: a new SQLite or DuckDB file, or a new key prefix in
    Redis."""
    if request.param != "redis":
        return str(tmp_path / f"tasks.{request.param}")
    url = request.getfixturevalue("redis_url")
    return f"{url}#test:{uuid.uuid4().hex}"


@pytest.fixture
async def app(store: str) -> AsyncIterator[Gobstopper]:
    calls.clear()
    attempts.clear()
    app = make_app(store)
    yield app
    await app.shutdown()


async def finished(app: Gobstopper, task_id: str, timeout: float = 10) -> object:
    for _ in range(int(timeout / 0.02)):
        info = await app.get_task(task_id)
        assert info is not None
        if info.status.finished:
            return info
        await asyncio.sleep(0.02)
    raise AssertionError(f"task {task_id} did not finish: {info}")


async def test_priority_decides_the_order_within_a_category(app: Gobstopper) -> None:
    ids: dict[str, str] = {}
    for label, priority in [
        ("low", TaskPriority.LOW),
        ("normal", TaskPriority.NORMAL),
        ("critical", TaskPriority.CRITICAL),
        ("high", TaskPriority.HIGH),
        ("normal-later", TaskPriority.NORMAL),
    ]:
        ids[label] = await app.add_background_task("record", "data", priority, label=label)
    await app.start_task_workers("data", worker_count=1)
    await finished(app, ids["low"])  # the lowest priority runs last
    assert calls == ["critical", "high", "normal", "normal-later", "low"]
    info = await app.get_task(ids["normal-later"])
    assert info.result == "NORMAL-LATER"  # type: ignore[union-attr]


async def test_priorities_hold_when_many_workers_claim_in_batches(
    app: Gobstopper, store: str
) -> None:
    labels = [(f"low{n}", TaskPriority.LOW) for n in range(20)]
    labels += [(f"high{n}", TaskPriority.HIGH) for n in range(20)]
    ids = await asyncio.gather(
        *(app.add_background_task("record", "data", p, label=label) for label, p in labels)
    )
    await app.start_task_workers("data", worker_count=6)
    await asyncio.gather(*(finished(app, task_id) for task_id in ids))
    # Every HIGH is claimed before any LOW. The embedded stores hand a batch out in
    # order; on Redis each worker claims over its own connection, so up to 5 HIGH claimed
    # just before the first LOW may start after it.
    overlap = 5 if store.startswith("redis://") else 0
    assert all(label.startswith("high") for label in calls[: 20 - overlap]), calls
    assert sorted(calls) == sorted(label for label, _ in labels)  # each once


async def test_retries_hold_for_tasks_that_fail_together(app: Gobstopper) -> None:
    ids = await asyncio.gather(
        *(
            app.add_background_task("flaky", max_retries=2, key=f"k{n}", failures=1)
            for n in range(12)
        )
    )
    await app.start_task_workers("data", worker_count=4)
    infos = await asyncio.gather(*(finished(app, task_id) for task_id in ids))
    assert [(info.status, info.attempts) for info in infos] == [(TaskStatus.SUCCESS, 2)] * 12  # type: ignore[attr-defined]
    assert attempts == {f"k{n}": 2 for n in range(12)}


async def test_sync_tasks_run_in_a_thread_and_results_are_kept(app: Gobstopper) -> None:
    task_id = await app.add_background_task("double", n=21)
    await app.start_task_workers("data")
    info = await finished(app, task_id)
    assert info.status is TaskStatus.SUCCESS  # type: ignore[attr-defined]
    assert info.result == 42  # type: ignore[attr-defined]
    assert info.attempts == 1  # type: ignore[attr-defined]
    assert info.started_at <= info.finished_at  # type: ignore[attr-defined]


async def test_failures_are_retried_with_backoff_until_they_succeed(app: Gobstopper) -> None:
    task_id = await app.add_background_task("flaky", max_retries=3, key="a", failures=2)
    await app.start_task_workers("data")
    info = await finished(app, task_id)
    assert info.status is TaskStatus.SUCCESS  # type: ignore[attr-defined]
    assert info.attempts == 3  # type: ignore[attr-defined]
    assert info.result == "finally"  # type: ignore[attr-defined]
    assert info.error is None  # type: ignore[attr-defined]


async def test_a_task_out_of_retries_fails_with_its_error_and_traceback(
    app: Gobstopper,
) -> None:
    task_id = await app.add_background_task("flaky", max_retries=1, key="b", failures=5)
    await app.start_task_workers("data")
    info = await finished(app, task_id)
    assert info.status is TaskStatus.FAILED  # type: ignore[attr-defined]
    assert info.attempts == 2  # type: ignore[attr-defined]
    assert info.error == "ConnectionError: attempt 2 failed"  # type: ignore[attr-defined]
    assert "raise ConnectionError" in info.traceback  # type: ignore[attr-defined]


async def test_a_task_raising_no_retry_fails_at_once_with_its_retries_unused(
    app: Gobstopper,
) -> None:
    task_id = await app.add_background_task("hopeless", max_retries=3, key="c")
    await app.start_task_workers("data")
    info = await finished(app, task_id)
    assert info.status is TaskStatus.FAILED  # type: ignore[attr-defined]
    assert info.attempts == 1  # type: ignore[attr-defined]
    assert info.error == "NoRetry: c cannot work"  # type: ignore[attr-defined]
    assert attempts["c"] == 1


async def test_a_task_over_its_timeout_fails_and_follows_the_retry_policy(
    app: Gobstopper,
) -> None:
    task_id = await app.add_background_task("slow", max_retries=1, timeout=0.1, seconds=5)
    await app.start_task_workers("data")
    info = await finished(app, task_id)
    assert info.status is TaskStatus.FAILED  # type: ignore[attr-defined]
    assert info.error == "timed out after 0.1s"  # type: ignore[attr-defined]
    assert info.attempts == 2  # type: ignore[attr-defined]


async def test_an_unencodable_result_fails_the_task_clearly(app: Gobstopper) -> None:
    task_id = await app.add_background_task("unencodable")
    await app.start_task_workers("data")
    info = await finished(app, task_id)
    assert "result is not JSON-serialisable" in info.error  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("nope",), {}, "unknown task 'nope'"),
        (("record", "notifications"), {"label": "x"}, "belongs to category 'data'"),
        (("record",), {"label": object()}, "JSON-serialisable"),
        (("record",), {}, "missing a required argument: 'label'"),
        (("record",), {"label": "x", "extra": 1}, "unexpected keyword argument 'extra'"),
        (("record", "data", 7), {"label": "x"}, "priority 7 is not one of"),
        (("record", "data", "HIGH"), {"label": "x"}, "priority 'HIGH' is not one of"),
        (("record", "data", True), {"label": "x"}, "must be a TaskPriority"),
        (("record",), {"label": "x", "max_retries": -1}, "max_retries must be"),
        (("record",), {"label": "x", "delay": -5}, "delay must not be negative"),
        (("record",), {"label": "x", "timeout": 0}, "timeout must be a positive"),
        (("record",), {"label": "x", "run_at": datetime(2030, 1, 1)}, "timezone-aware"),
    ],
)
async def test_bad_tasks_are_refused_at_enqueue_and_nothing_is_stored(
    app: Gobstopper, args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(TaskError, match=message.replace("(", r"\(")):
        await app.add_background_task(*args, **kwargs)  # type: ignore[arg-type]
    assert await app.task_stats() == {}


async def test_delayed_tasks_wait_for_their_time(app: Gobstopper) -> None:
    later = await app.add_background_task("record", delay=0.4, label="later")
    scheduled = await app.add_background_task(
        "record", run_at=datetime.now(timezone.utc) + timedelta(seconds=0.2), label="scheduled"
    )
    now = await app.add_background_task("record", label="now")
    await app.start_task_workers("data")
    await finished(app, now)
    assert calls == ["now"]
    await finished(app, later)
    assert calls == ["now", "scheduled", "later"]
    assert (await app.get_task(scheduled)).status is TaskStatus.SUCCESS  # type: ignore[union-attr]


async def test_pending_tasks_can_be_cancelled_and_finished_ones_cannot(app: Gobstopper) -> None:
    cancelled = await app.add_background_task("record", label="never")
    done = await app.add_background_task("notify", user_id=1)
    assert await app.cancel_task(cancelled) is True
    assert await app.cancel_task("no-such-task") is False
    await app.start_task_workers("notifications")
    await app.start_task_workers("data")
    await finished(app, done)
    assert await app.cancel_task(done) is False
    info = await app.get_task(cancelled)
    assert info.status is TaskStatus.CANCELLED  # type: ignore[union-attr]
    await asyncio.sleep(0.2)
    assert calls == ["notify 1"]
    assert await app.task_stats() == {
        "data": {"cancelled": 1},
        "notifications": {"success": 1},
    }


async def test_workers_for_an_unknown_category_are_refused(app: Gobstopper) -> None:
    with pytest.raises(ValueError, match="no task is registered in category 'emails'"):
        await app.start_task_workers("emails")


async def test_shutdown_puts_back_tasks_that_outlast_the_grace_period(store: str) -> None:
    app = make_app(store)
    long = await app.add_background_task("slow", seconds=30)
    await app.start_task_workers("data", worker_count=1)
    for _ in range(100):
        if (await app.get_task(long)).status is TaskStatus.STARTED:  # type: ignore[union-attr]
            break
        await asyncio.sleep(0.02)
    await app.tasks.close(grace=0.2)

    again = make_app(store)
    info = await again.get_task(long)
    assert info.status is TaskStatus.PENDING  # type: ignore[union-attr]
    assert info.attempts == 0  # type: ignore[union-attr]
    await again.shutdown()


async def test_blueprint_tasks_join_the_app_that_mounts_them(tmp_path: Path) -> None:
    app = Gobstopper(__name__, static_folder=None, task_database=str(tmp_path / "t.duckdb"))
    reports, nested = Blueprint("reports", __name__), Blueprint("nested", __name__)

    @reports.task(category="reports")
    async def build_report(report_id: int) -> str:
        return f"report {report_id}"

    app.register_blueprint(reports)
    assert app.task_categories == {"reports"}
    reports.register_blueprint(nested)

    @nested.task("archive", category="archive")
    def archive_everything() -> int:  # declared after the first use of app.tasks
        return 7

    first = await app.add_background_task("build_report", report_id=3)
    second = await app.add_background_task("archive")
    await app.start_task_workers("reports", worker_count=1)
    await app.start_task_workers("archive", worker_count=1)
    for _ in range(200):
        infos = [await app.get_task(task_id) for task_id in (first, second)]
        if all(info.status is TaskStatus.SUCCESS for info in infos):  # type: ignore[union-attr]
            break
        await asyncio.sleep(0.02)
    assert [info.result for info in infos] == ["report 3", 7]  # type: ignore[union-attr]
    await app.shutdown()


def test_a_blueprint_task_with_a_bad_category_is_refused_at_declaration() -> None:
    with pytest.raises(ValueError, match="task category 'no spaces'"):
        Blueprint("bad", __name__).task(category="no spaces")
