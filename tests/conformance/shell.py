"""Running documented shell commands as written: through bash, with this environment's
``gobstopper``, ``granian`` and ``python`` first on ``PATH``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.backends import free_port
from tests.conftest import wait_for_port

__all__ = ["BIN", "DocumentedServer", "environment", "run", "start_server"]

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


class DocumentedServer:
    """A server started from a documented command, serving from ``directory``."""

    def __init__(
        self, process: subprocess.Popen[bytes], port: int, directory: Path, log: Path
    ) -> None:
        self.process = process
        self.port = port
        self.directory = directory.resolve()
        self.log = log
        self.url = f"http://127.0.0.1:{port}"

    def processes(self) -> list[int]:
        """The processes working in the server's directory: its main process and workers."""
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "cwd").resolve() == self.directory:
                    found.append(int(entry.name))
            except OSError:
                continue
        return found

    def stop(self, workers: int = 1) -> None:
        """Stop the server once its ``workers`` have started (Granian 2.8 hangs on SIGTERM
        while workers are still spawning), then end anything left in its directory."""
        deadline = time.monotonic() + 20
        while (
            self.process.poll() is None
            and len(self.processes()) < workers + 1
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for pid in self.processes():
            os.kill(pid, signal.SIGKILL)
        self.log.unlink(missing_ok=True)


def start_server(command: str, cwd: Path, *flags: str, **extra: str) -> DocumentedServer:
    """Start a documented server command in ``cwd`` with ``flags`` appended (``{port}``
    in a flag becomes a free port); returns once the port listens. The log is kept
    outside ``cwd``, where a reloading server would see it change."""
    port = free_port()
    handle, name = tempfile.mkstemp(prefix=f"server-{port}-", suffix=".log")
    bound = " ".join(flag.replace("{port}", str(port)) for flag in flags)
    with os.fdopen(handle, "wb") as log:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command} {bound}"],
            cwd=cwd,
            env=environment(**extra),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = DocumentedServer(process, port, cwd, Path(name))
    try:
        wait_for_port(port, process)
    except RuntimeError as error:
        output = server.log.read_text()
        server.stop()
        raise AssertionError(f"{command} {bound}: {error}\n{output}") from None
    return server
