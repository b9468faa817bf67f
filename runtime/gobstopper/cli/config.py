"""Run configuration files (``dev.toml``, ``production.json``...) for ``gobstopper run``.

A file holds the same settings as the command-line flags; flags given on the command line
win. Unknown keys and wrong types are errors that name the key.

.. code-block:: toml

    app = "app:app"
    host = "0.0.0.0"
    port = 8080
    workers = 4
    log_level = "warning"
    env_file = false        # read no .env (default: .env when it exists)

    [env]
    ENV = "production"
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec

__all__ = ["ConfigError", "RunConfig", "load_run_config"]

LogLevel = Literal["critical", "error", "warning", "info", "debug"]
EventLoop = Literal["auto", "asyncio", "rloop"]


class ConfigError(Exception):
    """A configuration file is missing or invalid."""


class RunConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Settings of ``gobstopper run``; every field matches a command-line flag."""

    app: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    threads: int = 1
    reload: bool = False
    log_level: LogLevel = "error"
    access_log: bool = False
    backlog: int = 16384
    loop: EventLoop = "auto"
    env: dict[str, str] = {}
    env_file: str | bool = True
    """The variables file to read (never over the real environment): ``true`` for
    ``.env`` when it exists, a path, or ``false`` for none."""

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {self.port}")
        for name in ("workers", "threads"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.backlog < 128:
            raise ValueError(f"backlog must be at least 128, got {self.backlog}")


def find_config_file(name: str, directory: Path) -> Path:
    """Resolve ``--config NAME``: a path to a file, or ``NAME.toml`` / ``NAME.json`` in
    ``directory``."""
    given = Path(name)
    if given.suffix in (".toml", ".json"):
        candidate = given if given.is_absolute() else directory / given
        if candidate.is_file():
            return candidate
        raise ConfigError(f"config file {candidate} does not exist")
    for suffix in (".toml", ".json"):
        candidate = directory / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no config named {name!r}: neither {name}.toml nor {name}.json in {directory}"
    )


def load_run_config(path: Path) -> RunConfig:
    """Read and validate a TOML or JSON run configuration."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    try:
        if path.suffix == ".json":
            return msgspec.json.decode(raw, type=RunConfig)
        return msgspec.toml.decode(raw, type=RunConfig)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise ConfigError(f"{path.name}: {error}") from None
    except ValueError as error:
        raise ConfigError(f"{path.name}: {error}") from None
