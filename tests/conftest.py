"""Shared fixtures: real Granian servers started through ``gobstopper run``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not listen on port {port} within {timeout}s")


class Server:
    """A running ``gobstopper run`` process."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(directory: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    """Run ``gobstopper run ARGS`` in ``directory`` on a free port; wait until it listens."""
    port = free_port()
    log = directory / f"server-{port}.log"
    command = [sys.executable, "-m", "gobstopper", "run", *args]
    if "-p" not in args:
        command += ["-p", str(port)]
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command,
            cwd=directory,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    server = Server(process, port, log)
    try:
        wait_for_port(port, process)
    except RuntimeError as error:
        server.stop()
        raise RuntimeError(f"{error}\n{log.read_text()}") from None
    return server


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start ``gobstopper run`` in a directory holding the given ``app.py`` source."""
    servers: list[Server] = []

    def start(
        source: str,
        *args: str,
        files: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
    ) -> Server:
        project = tmp_path / f"project{len(servers)}"
        project.mkdir()
        (project / "app.py").write_text(source)
        for name, text in (files or {}).items():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            (project / name).write_text(text)
        server = start_server(project, *args, env=env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
