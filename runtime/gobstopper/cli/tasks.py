"""``gobstopper run-tasks`` and ``gobstopper cleanup-tasks``: task workers in a process of
their own, and pruning the history of finished tasks."""

from __future__ import annotations

import asyncio
import calendar
import os
import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .errors import CommandError, CommandFailed
from .project import load_project_app, prepare_environment
from .run import RunError

if TYPE_CHECKING:
    from ..app import Gobstopper
    from ..tasks.models import TaskStatus
    from ..tasks.queue import TaskStore

__all__ = ["cleanup_tasks", "months_before", "parse_statuses", "run_tasks"]

RUN_EXAMPLES = """\b
Examples:
  gobstopper run-tasks                  every category of app.py:app, 2 workers each
  gobstopper run-tasks myproject.main:app --categories data,notifications --workers 3

SIGTERM or Ctrl-C stops taking tasks and lets running ones finish (up to --grace
seconds); a second signal puts them back at once for another worker.
"""

CLEANUP_EXAMPLES = """\b
Examples:
  gobstopper cleanup-tasks --days 7     delete tasks that finished over a week ago
  gobstopper cleanup-tasks --months 1 --status failed,cancelled
  gobstopper cleanup-tasks myproject.main:app --days 30
"""


class TaskCommandError(Exception):
    """A task command cannot do what was asked: the message says why."""


# -- run-tasks ----------------------------------------------------------------------------


def _categories(app: Gobstopper, chosen: str | None) -> list[str]:
    declared = app.task_categories
    if not declared:
        raise TaskCommandError("the application declares no tasks (@app.task)")
    if chosen is None:
        return sorted(declared)
    names = [name.strip() for name in chosen.split(",") if name.strip()]
    unknown = [name for name in names if name not in declared]
    if unknown or not names:
        raise TaskCommandError(
            f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown) or '(none)'}"
            f" (declared: {', '.join(sorted(declared))})"
        )
    return names


@click.command(
    "run-tasks", epilog=RUN_EXAMPLES, short_help="Run background task workers in this process."
)
@click.argument("app", required=False)
@click.option("--categories", help="Comma-separated categories (default: every declared one).")
@click.option("--workers", type=int, default=2, show_default=True, help="Workers per category.")
@click.option(
    "--grace",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds running tasks get to finish when stopping.",
)
@click.pass_context
def run_tasks(
    ctx: click.Context, app: str | None, categories: str | None, workers: int, grace: float
) -> None:
    """Run workers for an application's background tasks, in this process.

    APP is MODULE:ATTRIBUTE or FILE.py (default: app.py:app).
    """
    try:
        if workers < 1:
            raise TaskCommandError(f"--workers must be at least 1, got {workers}")
        if grace < 0:
            raise TaskCommandError(f"--grace must not be negative, got {grace:g}")
        application = load_project_app(ctx, app)
        chosen = _categories(application, categories)
    except (RunError, TaskCommandError) as error:
        raise CommandError(str(error)) from None
    status = asyncio.run(_serve_tasks(application, chosen, workers, grace))
    if status:
        ctx.exit(status)


async def _serve_tasks(app: Gobstopper, categories: list[str], workers: int, grace: float) -> int:
    loop = asyncio.get_running_loop()
    stop, force = asyncio.Event(), asyncio.Event()

    def on_signal() -> None:
        (force if stop.is_set() else stop).set()

    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, on_signal)
    try:
        await app.startup()
        for category in categories:
            await app.start_task_workers(category, workers)
    except Exception as error:
        await app.shutdown()
        raise CommandFailed(str(error)) from None
    click.echo(
        f"gobstopper run-tasks: {workers} worker(s) each for {', '.join(categories)} "
        f"(pid {os.getpid()})",
        err=True,
    )
    await stop.wait()
    click.echo(
        f"gobstopper run-tasks: stopping; running tasks get {grace:g}s "
        "(signal again to put them back now)",
        err=True,
    )
    stopping = asyncio.ensure_future(app.tasks.stop(grace))
    forced = asyncio.ensure_future(force.wait())
    await asyncio.wait([stopping, forced], return_when=asyncio.FIRST_COMPLETED)
    if not stopping.done():
        await app.tasks.stop(0)
    await stopping
    forced.cancel()
    await app.shutdown()
    click.echo("gobstopper run-tasks: stopped", err=True)
    return 0


# -- cleanup-tasks ------------------------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day
    when it is shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def parse_statuses(text: str | None) -> tuple[TaskStatus, ...] | None:
    """``success,failed`` → the statuses; only finished ones may be named."""
    from ..tasks.models import TaskStatus

    if text is None:
        return None
    finished = [status.value for status in TaskStatus if status.finished]
    chosen = []
    for name in (part.strip() for part in text.split(",")):
        if name not in finished:
            raise TaskCommandError(
                f"--status {name!r} is not a finished status ({', '.join(finished)})"
            )
        chosen.append(TaskStatus(name))
    return tuple(chosen)


def _store(
    ctx: click.Context, app: str | None, database: str | None, broker: str | None
) -> TaskStore:
    from ..settings import Settings

    if app and not (database or broker):
        store = load_project_app(ctx, app).tasks.store
    else:
        prepare_environment(ctx, Path.cwd())
        settings = Settings.resolve(task_broker=None if database else broker)
        if settings.task_broker and not database:
            from ..tasks.redis_store import RedisTaskStore

            store = RedisTaskStore(settings.task_broker)
        else:
            from ..tasks.embedded import embedded_store

            store = embedded_store(database or settings.task_database)
    path = getattr(store, "path", None)
    if path is not None and not os.path.isfile(path):
        raise TaskCommandError(f"there is no task database at {os.path.abspath(path)}")
    return store


@click.command(
    "cleanup-tasks",
    epilog=CLEANUP_EXAMPLES,
    short_help="Delete finished background tasks older than an age.",
)
@click.argument("app", required=False)
@click.option("--days", type=int, help="Finished more than this many days ago.")
@click.option("--months", type=int, help="Finished more than this many months ago.")
@click.option("--status", help="Comma-separated: success, failed, cancelled (default: all three).")
@click.option("--database", help="The task file (SQLite, or DuckDB if it ends in .duckdb).")
@click.option("--broker", help="The redis:// URL of the task broker.")
@click.pass_context
def cleanup_tasks(
    ctx: click.Context,
    app: str | None,
    days: int | None,
    months: int | None,
    status: str | None,
    database: str | None,
    broker: str | None,
) -> None:
    """Delete finished (success, failed, cancelled) tasks that finished longer ago than
    --days or --months (one of the two), and print how many.

    The store is the one APP uses, else --database / --broker, else
    GOBSTOPPER_TASK_BROKER or GOBSTOPPER_TASK_DATABASE.
    """
    if days is not None and months is not None:
        raise click.UsageError("--days and --months cannot be combined")
    if days is not None:
        flag, age = "--days", days
    elif months is not None:
        flag, age = "--months", months
    else:
        raise click.UsageError("one of --days and --months is required")
    try:
        if age < 0:
            raise TaskCommandError(f"{flag} must not be negative, got {age}")
        now = datetime.now(timezone.utc)
        if flag == "--days":
            before, described = now - timedelta(days=age), f"{age} day(s)"
        else:
            before, described = months_before(now, age), f"{age} month(s)"
        statuses = parse_statuses(status)
        store = _store(ctx, app, database, broker)
    except (RunError, TaskCommandError, ValueError) as error:
        raise CommandError(str(error)) from None
    try:
        deleted = asyncio.run(_delete(store, before, statuses))
    except Exception as error:
        raise CommandFailed(str(error)) from None
    click.echo(
        f"deleted {deleted} finished task(s) older than {described} "
        f"(finished before {before:%Y-%m-%d %H:%M} UTC) from "
        f"{getattr(store, 'path', None) or 'the Redis broker'}"
    )


async def _delete(
    store: TaskStore, before: datetime, statuses: tuple[TaskStatus, ...] | None
) -> int:
    await store.open()
    try:
        return await store.delete_finished(before, statuses)
    finally:
        await store.close()
