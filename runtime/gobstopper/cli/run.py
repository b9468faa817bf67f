"""``gobstopper run``: serve an application with Granian over RSGI.

The command works out Granian's arguments (interface, runtime mode for the CPU, event
loop, backlog, worker respawning) and then replaces itself with the Granian process, so
signals and the process id belong to the server.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
from pathlib import Path

import msgspec

from .config import ConfigError, RunConfig, find_config_file, load_run_config

__all__ = [
    "add_parser",
    "check_workers_can_share",
    "granian_arguments",
    "resolve_app_target",
    "resolve_config",
]

EXAMPLES = """\
examples:
  gobstopper run                       serve app.py:app on 127.0.0.1:8000
  gobstopper run myproject.main:app -w 4 -h 0.0.0.0 -p 8080
  gobstopper run --config dev          read dev.toml (or dev.json); flags still win
"""


class RunError(Exception):
    """``gobstopper run`` cannot start: the message says why and what to do."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``run`` sub-command."""
    parser = subparsers.add_parser(
        "run",
        help="serve an application with Granian (RSGI)",
        description="Serve a Gobstopper application with Granian over RSGI.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    parser.add_argument("--help", action="help", help="show this help message and exit")
    parser.add_argument("app", nargs="?", help="MODULE:ATTRIBUTE or FILE.py (default: app.py:app)")
    parser.add_argument("-w", "--workers", type=int, help="worker processes (default 1)")
    parser.add_argument("-t", "--threads", type=int, help="runtime threads per worker (default 1)")
    parser.add_argument("-h", "--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("-p", "--port", type=int, help="port to bind (default 8000)")
    parser.add_argument(
        "--reload", action="store_true", default=None, help="restart on code changes (extra: dev)"
    )
    parser.add_argument("--log-level", choices=["critical", "error", "warning", "info", "debug"])
    parser.add_argument("--access-log", action="store_true", default=None, help="log each request")
    parser.add_argument("--backlog", type=int, help="pending connections to queue (default 16384)")
    parser.add_argument(
        "--loop",
        choices=["auto", "asyncio", "rloop"],
        help="event loop (default auto: rloop when installed, else asyncio)",
    )
    parser.add_argument(
        "--config", metavar="NAME", help="NAME.toml / NAME.json with these settings"
    )
    parser.set_defaults(handler=run_command)


def resolve_config(args: argparse.Namespace, directory: Path) -> RunConfig:
    """Merge the config file (if any) with the flags given on the command line."""
    base = load_run_config(find_config_file(args.config, directory)) if args.config else RunConfig()
    overrides = {
        field: getattr(args, field)
        for field in (
            "app",
            "workers",
            "threads",
            "host",
            "port",
            "reload",
            "log_level",
            "access_log",
            "backlog",
            "loop",
        )
        if getattr(args, field) is not None
    }
    merged = {**msgspec.structs.asdict(base), **overrides}
    try:
        return msgspec.convert(merged, RunConfig)
    except msgspec.ValidationError as error:
        raise ConfigError(str(error)) from None


def resolve_app_target(target: str | None, directory: Path) -> str:
    """Turn ``APP`` into Granian's ``module:attribute`` and check the module exists."""
    if target is None:
        if not (directory / "app.py").is_file():
            raise RunError(f"no APP given and no app.py in {directory}; pass MODULE:ATTRIBUTE")
        target = "app:app"
    if target.endswith(".py"):
        target = target[:-3].replace("/", ".").replace(os.sep, ".") + ":app"
    module, _, attribute = target.partition(":")
    if not module or (not attribute.isidentifier() and attribute):
        raise RunError(f"APP must look like module:attribute, got {target!r}")
    sys.path.insert(0, str(directory))
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        found = None
    finally:
        sys.path.pop(0)
    if found is None:
        raise RunError(f"cannot find module {module!r} (from {directory})")
    return f"{module}:{attribute or 'app'}"


def _runtime_mode() -> str:
    machine = platform.machine().lower()
    return "st" if machine.startswith(("arm", "aarch")) else "mt"


def _event_loop(choice: str) -> str:
    if choice != "auto":
        if choice == "rloop" and importlib.util.find_spec("rloop") is None:
            raise RunError("--loop rloop needs rloop: pip install 'gobstopper[speed]'")
        return choice
    if importlib.util.find_spec("rloop") is not None:
        return "rloop"
    print(
        "gobstopper: rloop is not installed, using asyncio "
        "(pip install 'gobstopper[speed]' for the faster loop)",
        file=sys.stderr,
    )
    return "asyncio"


def granian_arguments(config: RunConfig, target: str, directory: Path) -> list[str]:
    """Build the ``granian`` command line for ``config``."""
    if config.reload and importlib.util.find_spec("watchfiles") is None:
        raise RunError("--reload needs watchfiles: pip install 'gobstopper[dev]'")
    arguments = [
        "--interface",
        "rsgi",
        "--host",
        config.host,
        "--port",
        str(config.port),
        "--workers",
        str(config.workers),
        "--runtime-threads",
        str(config.threads),
        "--runtime-mode",
        _runtime_mode(),
        "--loop",
        _event_loop(config.loop),
        "--log-level",
        config.log_level,
        "--backlog",
        str(config.backlog),
        "--respawn-failed-workers",
        "--working-dir",
        str(directory),
    ]
    if config.access_log:
        arguments.append("--access-log")
    if config.reload:
        arguments += ["--reload", "--reload-paths", str(directory)]
    return [*arguments, target]


def check_workers_can_share(config: RunConfig, target: str, directory: Path) -> None:
    """Refuse several workers when the app keeps tasks where one process may write.

    This imports the application in this process, before Granian starts, so the error
    comes now and not from a worker's first enqueue.
    """
    if config.workers < 2:
        return
    from .appload import load_app

    app = load_app(target, directory)
    if app.tasks_confined_to_one_process:
        raise RunError(
            f"the app keeps background tasks in the DuckDB file {app.settings.task_database}, "
            f"which one process at a time may open, so {config.workers} workers cannot share "
            "it. Use the Redis Streams broker (pip install 'gobstopper[redis]'; "
            "GOBSTOPPER_TASK_BROKER=redis://host:6379/0), or serve with -w 1."
        )


def run_command(args: argparse.Namespace) -> int:
    """Entry point of ``gobstopper run``: validate, then become the Granian server."""
    directory = Path.cwd()
    try:
        config = resolve_config(args, directory)
        target = resolve_app_target(config.app, directory)
        arguments = granian_arguments(config, target, directory)
        check_workers_can_share(config, target, directory)
    except (ConfigError, RunError) as error:
        print(f"gobstopper run: error: {error}", file=sys.stderr)
        return 2
    environment = {**os.environ, **config.env, "GOBSTOPPER_LOG_LEVEL": config.log_level}
    python_path = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = (
        f"{directory}{os.pathsep}{python_path}" if python_path else str(directory)
    )
    command = [sys.executable, "-m", "granian", *arguments]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, environment)
    return 0  # pragma: no cover - execve does not return
