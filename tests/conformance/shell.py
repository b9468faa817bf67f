"""Running documented shell commands as written: through bash, with this environment's
``gobstopper``, ``granian`` and ``python`` first on ``PATH``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.backends import free_port
from tests.conftest import Server, wait_for_port

__all__ = ["BIN", "environment", "run", "start_server"]

#: The virtual environment's scripts: ``gobstopper``, ``granian``, ``python``.
BIN = Path(sys.executable).parent


def environment(**extra: str) -> dict[str, str]:
    """This process's environment with :data:`BIN` first on ``PATH``, plus ``extra``."""
    path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "PYTHONUNBUFFERED": "1", **extra}


def run(
    command: str, cwd: Path, *, timeout: float = 180, **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` with bash in ``cwd`` (stdin closed, so nothing is interactive)."""
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=environment(**extra),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_server(command: str, cwd: Path, *flags: str, **extra: str) -> Server:
    """Start a documented server command in ``cwd`` with ``flags`` appended (``{port}``
    in a flag becomes a free port); returns once the port listens. Stop it with
    :meth:`Server.stop`."""
    port = free_port()
    log = cwd / f"server-{port}.log"
    bound = " ".join(flag.replace("{port}", str(port)) for flag in flags)
    with log.open("wb") as handle:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command} {bound}"],
            cwd=cwd,
            env=environment(**extra),
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, port, log)
    try:
        wait_for_port(port, process)
    except RuntimeError as error:
        server.stop()
        raise AssertionError(f"{command} {bound}: {error}\n{log.read_text()}") from None
    return server
