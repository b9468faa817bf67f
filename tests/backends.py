"""Real Redis and PostgreSQL servers for the tests, started from their binaries.

A test that needs a backend takes the URL from ``GOBSTOPPER_TEST_REDIS_URL`` /
``GOBSTOPPER_TEST_POSTGRES_DSN`` when set; otherwise it starts its own server on a free
port in a temporary directory and stops it by PID afterwards. Tests that take a server
down and bring it back always start their own.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

__all__ = [
    "PostgresServer",
    "RedisServer",
    "ServiceUnavailable",
    "free_port",
    "recovered",
]


async def recovered(send: Callable[[], Awaitable[Any]], attempts: int = 100) -> Any:
    """Repeat ``send()`` until it answers 200 (a service came back); return that response."""
    for _ in range(attempts):
        response = await send()
        if response.status_code == 200:
            return response
        await asyncio.sleep(0.1)
    raise AssertionError(f"still {response.status_code} after {attempts} attempts")


class ServiceUnavailable(RuntimeError):
    """The binary for a backing service is not installed here."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not listen on {port} within 30s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RedisServer:
    """A ``redis-server`` of our own that keeps nothing on disk; can be stopped and
    started again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise ServiceUnavailable("redis-server is not installed")
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        log = self.directory / f"redis-{self.port}.log"
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        with log.open("ab") as handle:
            self.process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
        _wait_until_listening(self.port, self.process, log)
        return self

    def stop(self) -> None:
        _stop(self.process)

    def close(self) -> None:
        """Stop the server for good."""
        self.stop()


class PostgresServer:
    """A PostgreSQL cluster of our own in a temporary directory (trust auth, database
    ``test``). Run as the ``postgres`` user when the tests run as root, which PostgreSQL
    refuses."""

    def __init__(self) -> None:
        self.bindir = _postgres_bindir()
        # Not under pytest's temporary folders: they are private to root, and the server
        # may have to run as another user.
        self.directory = Path(tempfile.mkdtemp(prefix="gobstopper-postgres-"))
        self.data = self.directory / "pgdata"
        self.port = free_port()
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.port}/test"
        self.process: subprocess.Popen[bytes] | None = None
        self._user: str | None = None
        if os.geteuid() == 0:
            self._user = "postgres"
            shutil.chown(self.directory, "postgres")

    def _run(self, *command: str) -> None:
        subprocess.run(command, check=True, capture_output=True, user=self._user)

    def start(self) -> PostgresServer:
        if not self.data.exists():
            initdb = str(self.bindir / "initdb")
            self._run(initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "-N")
        log = self.directory / f"postgres-{self.port}.log"
        command = [str(self.bindir / "postgres"), "-D", str(self.data)]
        command += ["-p", str(self.port), "-k", str(self.directory), "-h", "127.0.0.1"]
        command += ["-c", "fsync=off", "-c", "full_page_writes=off"]
        with log.open("ab") as handle:
            self.process = subprocess.Popen(
                command, stdout=handle, stderr=subprocess.STDOUT, user=self._user
            )
        _wait_until_listening(self.port, self.process, log)
        self._create_test_database()
        return self

    def _create_test_database(self) -> None:
        psql = [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port)]
        psql += ["-U", "postgres", "-d", "postgres", "-tAc"]
        deadline = time.monotonic() + 30
        while True:
            found = subprocess.run(
                [*psql, "SELECT 1 FROM pg_database WHERE datname = 'test'"],
                capture_output=True,
                text=True,
            )
            if found.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not accept connections: {found.stderr}")
            time.sleep(0.1)
        if found.stdout.strip() != "1":
            subprocess.run([*psql, "CREATE DATABASE test"], check=True, capture_output=True)

    def stop(self) -> None:
        """Fast shutdown: connected clients are cut off, as when a server goes away."""
        _stop(self.process, signal.SIGINT)

    def close(self) -> None:
        """Stop the server and remove its cluster."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def _postgres_bindir() -> Path:
    """The directory holding ``initdb`` and ``postgres``: on PATH, or Debian's layout."""
    initdb = shutil.which("initdb")
    if initdb is not None:
        return Path(os.path.realpath(initdb)).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if versions:
        return versions[0].parent
    raise ServiceUnavailable("PostgreSQL (initdb) is not installed")
