"""``gobstopper run``: serve an application with Granian over RSGI.

The command works out Granian's arguments (interface, runtime mode for the CPU, event
loop, backlog, worker respawning), prints the address to open, and then replaces itself
with the Granian process, so signals and the process id belong to the server.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
import msgspec

from ..reloading import IGNORE_PATTERN
from .config import ConfigError, RunConfig, find_config_file, load_run_config
from .envfile import apply_env_file, env_file_to_read
from .errors import CommandError
from .params import Choice
from .project import project_options

__all__ = [
    "RunError",
    "check_app_can_serve",
    "check_port_free",
    "granian_arguments",
    "resolve_app_target",
    "resolve_config",
    "run",
    "url_to_open",
]

EXAMPLES = """\b
Examples:
  gobstopper run                       serve app.py:app on 127.0.0.1:8000
  gobstopper run app.py:app            the same, named
  gobstopper run myproject.main:app -w 4 -h 0.0.0.0 -p 8080
  gobstopper run --config dev          read dev.toml (or dev.json); flags still win
  gobstopper run --env-file .env.test  variables from another file

\b
.env in the working directory is read by every run, production included: a variable
already set in the environment (by a shell or a process manager) always wins. Turn it
off with --no-env-file, or with env_file = false in a config file.
"""

_SETTINGS = (
    *("app", "workers", "threads", "host", "port", "reload", "log_level"),
    *("access_log", "backlog", "loop", "env_file"),
)


class RunError(Exception):
    """``gobstopper run`` cannot start: the message says why and what to do."""


@click.command("run", epilog=EXAMPLES)
@click.argument("app", required=False)
@click.option("-w", "--workers", type=int, help="Worker processes (default 1).")
@click.option("-t", "--threads", type=int, help="Runtime threads per worker (default 1).")
@click.option("-h", "--host", help="Address to bind (default 127.0.0.1).")
@click.option("-p", "--port", type=int, help="Port to bind (default 8000).")
@click.option("--reload/--no-reload", default=None, help="Restart on code changes (extra: dev).")
@click.option(
    "--log-level",
    type=Choice(["critical", "error", "warning", "info", "debug"]),
    help="Granian's log level (default error).",
)
@click.option("--access-log/--no-access-log", default=None, help="Log each request.")
@click.option("--backlog", type=int, help="Pending connections to queue (default 16384).")
@click.option(
    "--loop",
    type=Choice(["auto", "asyncio", "rloop"]),
    help="Event loop (default auto: rloop when installed, else asyncio).",
)
@click.option("--config", metavar="NAME", help="NAME.toml / NAME.json with these settings.")
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read variables from this file instead of .env.",
)
@click.option("--no-env-file", is_flag=True, help="Read no .env file.")
@click.pass_context
def run(ctx: click.Context, /, **options: Any) -> None:
    """Serve a Gobstopper application with Granian over RSGI.

    APP is MODULE:ATTRIBUTE, FILE.py or FILE.py:ATTRIBUTE (default: app.py:app, or the
    --app given to gobstopper). A port that another server already answers on is
    refused, so an old server left running cannot quietly share it.
    """
    directory = Path.cwd()
    given = project_options(ctx)
    options["app"] = options["app"] or given.app
    if options.pop("no_env_file") or not given.load_env:
        options["env_file"] = False
    else:
        options["env_file"] = options["env_file"] or given.env_file
    try:
        config = resolve_config(options, directory, options.pop("config"))
        env_file = env_file_to_read(_env_file_choice(config.env_file), directory)
        target = resolve_app_target(config.app, directory)
        arguments = granian_arguments(config, target, directory)
        apply_env_file(env_file)
        os.environ.update(config.env)
        check_port_free(config.host, config.port)
        check_app_can_serve(config, target, directory)
    except (ConfigError, RunError) as error:
        raise CommandError(str(error)) from None
    environment = {**os.environ, "GOBSTOPPER_LOG_LEVEL": config.log_level}
    python_path = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = (
        f"{directory}{os.pathsep}{python_path}" if python_path else str(directory)
    )
    read = f", variables from {env_file.name}" if env_file else ""
    click.echo(f"serving {url_to_open(config)} ({target}, {_workers(config.workers)}{read})")
    command = [sys.executable, "-m", "granian", *arguments]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, environment)


def _workers(count: int) -> str:
    return f"{count} worker{'s' if count != 1 else ''}"


def _env_file_choice(setting: str | bool) -> Path | bool:
    return Path(setting) if isinstance(setting, str) else setting


def url_to_open(config: RunConfig) -> str:
    """The address a browser on this machine opens: a wildcard bind (``0.0.0.0``,
    ``::``) is reached through loopback."""
    host = _local_address(config.host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{config.port}"


def _local_address(host: str) -> str:
    """Where this machine reaches a server bound to ``host``: a wildcard bind
    (``0.0.0.0``, ``::``) through loopback."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)


def resolve_config(
    options: Mapping[str, Any], directory: Path, config_name: str | None = None
) -> RunConfig:
    """Merge the config file ``config_name`` (if any) with the options given on the
    command line (those that are not ``None``)."""
    base = load_run_config(find_config_file(config_name, directory)) if config_name else RunConfig()
    overrides = {field: options[field] for field in _SETTINGS if options.get(field) is not None}
    if isinstance(overrides.get("env_file"), Path):
        overrides["env_file"] = str(overrides["env_file"])
    merged = {**msgspec.structs.asdict(base), **overrides}
    try:
        return msgspec.convert(merged, RunConfig)
    except msgspec.ValidationError as error:
        raise ConfigError(str(error)) from None


def resolve_app_target(target: str | None, directory: Path) -> str:
    """Turn ``APP`` into Granian's ``module:attribute`` and check the module exists.

    ``app.py``, ``app.py:app``, ``pkg/main.py:api`` and ``pkg.main:api`` are accepted.
    """
    if target is None:
        if not (directory / "app.py").is_file():
            raise RunError(f"no APP given and no app.py in {directory}; pass MODULE:ATTRIBUTE")
        target = "app:app"
    module, _, attribute = target.partition(":")
    if module.endswith(".py"):
        module = module[:-3].removeprefix("./").replace(os.sep, ".").replace("/", ".")
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
    click.echo(
        "gobstopper: rloop is not installed, using asyncio "
        "(pip install 'gobstopper[speed]' for the faster loop)",
        err=True,
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
        arguments += ["--reload-ignore-patterns", IGNORE_PATTERN]
    return [*arguments, target]


def check_port_free(host: str, port: int) -> None:
    """Refuse a port that a server already answers on.

    Granian binds with ``SO_REUSEPORT``, so a second server on a busy port would start
    and quietly take a share of its connections: a server left running from before would
    go on answering some requests with the old code. The port is tried as a client
    would, so a server stopped a moment ago (its connections waiting out ``TIME_WAIT``)
    does not count; any trouble binding is left for Granian to report.
    """
    if port == 0:
        return
    try:
        with socket.create_connection((_local_address(host), port), timeout=1):
            pass
    except OSError:
        return
    raise RunError(
        f"port {port} is in use on {host}: another server answers there; stop it, or pick "
        "another port with -p"
    )


def check_app_can_serve(config: RunConfig, target: str, directory: Path) -> None:
    """Import the application in this process before Granian starts, so that an app
    that fails to import (a syntax error, a refused setting) or that several workers
    cannot share is a clear error now, not a worker that crashes and is respawned.

    With ``--reload`` and one worker the import is left to the worker, so a module
    that is broken for a moment can be fixed while the server waits.
    """
    if config.reload and config.workers < 2:
        return
    from .appload import load_app

    app = load_app(target, directory)
    if config.workers >= 2 and app.tasks_confined_to_one_process:
        raise RunError(
            f"the app keeps background tasks in the DuckDB file {app.settings.task_database}, "
            f"which one process at a time may open, so {config.workers} workers cannot share "
            "it. Use the Redis Streams broker (pip install 'gobstopper[redis]'; "
            "GOBSTOPPER_TASK_BROKER=redis://host:6379/0), or serve with -w 1."
        )
