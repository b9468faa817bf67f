"""``gobstopper run-tasks`` and ``gobstopper cleanup-tasks``: task workers in a process of
their own, and pruning the history of finished tasks."""

from __future__ import annotations

import argparse
import asyncio
import calendar
import os
import signal
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .appload import load_app
from .run import RunError

if TYPE_CHECKING:
    from ..app import Gobstopper
    from ..tasks.models import TaskStatus
    from ..tasks.queue import TaskStore

__all__ = ["add_parsers", "months_before", "parse_statuses"]

RUN_EXAMPLES = """\
examples:
  gobstopper run-tasks                  every category of app.py:app, 2 workers each
  gobstopper run-tasks myproject.main:app --categories data,notifications --workers 3

SIGTERM or Ctrl-C stops taking tasks and lets running ones finish (up to --grace
seconds); a second signal puts them back at once for another worker.
"""

CLEANUP_EXAMPLES = """\
examples:
  gobstopper cleanup-tasks --days 7     delete tasks that finished over a week ago
  gobstopper cleanup-tasks --months 1 --status failed,cancelled
  gobstopper cleanup-tasks myproject.main:app --days 30
"""


class TaskCommandError(Exception):
    """A task command cannot do what was asked: the message says why."""


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``run-tasks`` and ``cleanup-tasks``."""
    run = subparsers.add_parser(
        "run-tasks",
        help="run background task workers in this process",
        description="Run workers for an application's background tasks, in this process.",
        epilog=RUN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("app", nargs="?", help="MODULE:ATTRIBUTE or FILE.py (default: app.py:app)")
    run.add_argument(
        "--categories", help="comma-separated categories (default: every declared one)"
    )
    run.add_argument("--workers", type=int, default=2, help="workers per category (default 2)")
    run.add_argument(
        "--grace",
        type=float,
        default=30.0,
        help="seconds running tasks get to finish when stopping (default 30)",
    )
    run.set_defaults(handler=run_tasks_command)

    cleanup = subparsers.add_parser(
        "cleanup-tasks",
        help="delete finished background tasks older than a given age",
        description="Delete finished (success, failed, cancelled) tasks that finished "
        "longer ago than --days or --months, and print how many. The store is the one APP "
        "uses, else --database / --broker, else GOBSTOPPER_TASK_BROKER or "
        "GOBSTOPPER_TASK_DATABASE.",
        epilog=CLEANUP_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cleanup.add_argument("app", nargs="?", help="MODULE:ATTRIBUTE or FILE.py whose store to use")
    age = cleanup.add_mutually_exclusive_group(required=True)
    age.add_argument("--days", type=int, help="finished more than this many days ago")
    age.add_argument("--months", type=int, help="finished more than this many months ago")
    cleanup.add_argument(
        "--status", help="comma-separated: success, failed, cancelled (default: all three)"
    )
    cleanup.add_argument("--database", help="the DuckDB task file")
    cleanup.add_argument("--broker", help="the redis:// URL of the task broker")
    cleanup.set_defaults(handler=cleanup_tasks_command)


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


def run_tasks_command(args: argparse.Namespace) -> int:
    """Entry point of ``gobstopper run-tasks``."""
    try:
        if args.workers < 1:
            raise TaskCommandError(f"--workers must be at least 1, got {args.workers}")
        if args.grace < 0:
            raise TaskCommandError(f"--grace must not be negative, got {args.grace:g}")
        app = load_app(args.app, Path.cwd())
        categories = _categories(app, args.categories)
    except (RunError, TaskCommandError) as error:
        print(f"gobstopper run-tasks: error: {error}", file=sys.stderr)
        return 2
    return asyncio.run(_serve_tasks(app, categories, args.workers, args.grace))


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
        print(f"gobstopper run-tasks: error: {error}", file=sys.stderr)
        await app.shutdown()
        return 1
    print(
        f"gobstopper run-tasks: {workers} worker(s) each for {', '.join(categories)} "
        f"(pid {os.getpid()})",
        file=sys.stderr,
        flush=True,
    )
    await stop.wait()
    print(
        f"gobstopper run-tasks: stopping; running tasks get {grace:g}s "
        "(signal again to put them back now)",
        file=sys.stderr,
        flush=True,
    )
    stopping = asyncio.ensure_future(app.tasks.stop(grace))
    forced = asyncio.ensure_future(force.wait())
    await asyncio.wait([stopping, forced], return_when=asyncio.FIRST_COMPLETED)
    if not stopping.done():
        await app.tasks.stop(0)
    await stopping
    forced.cancel()
    await app.shutdown()
    print("gobstopper run-tasks: stopped", file=sys.stderr, flush=True)
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


def _store(args: argparse.Namespace) -> TaskStore:
    from ..settings import Settings

    if args.app and not (args.database or args.broker):
        store = load_app(args.app, Path.cwd()).tasks.store
    else:
        settings = Settings.resolve(task_broker=None if args.database else args.broker)
        if settings.task_broker and not args.database:
            from ..tasks.redis_store import RedisTaskStore

            store = RedisTaskStore(settings.task_broker)
        else:
            from ..tasks.duckdb_store import DuckDBTaskStore

            store = DuckDBTaskStore(args.database or settings.task_database)
    path = getattr(store, "path", None)
    if path is not None and not os.path.isfile(path):
        raise TaskCommandError(f"there is no task database at {os.path.abspath(path)}")
    return store


def cleanup_tasks_command(args: argparse.Namespace) -> int:
    """Entry point of ``gobstopper cleanup-tasks``."""
    try:
        age = args.days if args.days is not None else args.months
        if age < 0:
            flag = "--days" if args.days is not None else "--months"
            raise TaskCommandError(f"{flag} must not be negative, got {age}")
        now = datetime.now(timezone.utc)
        if args.days is not None:
            before, described = now - timedelta(days=args.days), f"{args.days} day(s)"
        else:
            before, described = months_before(now, args.months), f"{args.months} month(s)"
        statuses = parse_statuses(args.status)
        store = _store(args)
    except (RunError, TaskCommandError, ValueError) as error:
        print(f"gobstopper cleanup-tasks: error: {error}", file=sys.stderr)
        return 2
    try:
        deleted = asyncio.run(_delete(store, before, statuses))
    except Exception as error:
        print(f"gobstopper cleanup-tasks: error: {error}", file=sys.stderr)
        return 1
    print(
        f"deleted {deleted} finished task(s) older than {described} "
        f"(finished before {before:%Y-%m-%d %H:%M} UTC) from "
        f"{getattr(store, 'path', None) or 'the Redis broker'}"
    )
    return 0


async def _delete(
    store: TaskStore, before: datetime, statuses: tuple[TaskStatus, ...] | None
) -> int:
    await store.open()
    try:
        return await store.delete_finished(before, statuses)
    finally:
        await store.close()
