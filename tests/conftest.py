"""Shared fixtures: real Granian servers started through ``gobstopper run``, and real
Redis and PostgreSQL servers (see :mod:`tests.backends`)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .backends import PostgresServer, RedisServer, ServiceUnavailable, free_port


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


def wait_for_workers(server: Server, path: str, workers: int = 2) -> None:
    """The port listens once the first worker is up; wait until ``workers`` different
    processes have answered ``path`` (JSON with a ``pid``), each on a new connection."""
    seen: set[int] = set()
    for _ in range(400):
        with httpx.Client(timeout=10) as client:
            seen.add(client.get(server.url + path).json()["pid"])
        if len(seen) == workers:
            return
        time.sleep(0.05)
    raise AssertionError(f"only worker(s) {seen} answered {path}")


def _unavailable(reason: str) -> None:
    """Skip — or fail, under ``GOBSTOPPER_REQUIRE_SERVICES=1`` as in CI."""
    if os.environ.get("GOBSTOPPER_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis server's URL: ``GOBSTOPPER_TEST_REDIS_URL``, else one we start."""
    if url := os.environ.get("GOBSTOPPER_TEST_REDIS_URL"):
        yield url
        return
    with _own(lambda: RedisServer(tmp_path_factory.mktemp("redis"))) as server:
        yield server.url


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """A PostgreSQL DSN: ``GOBSTOPPER_TEST_POSTGRES_DSN``, else a cluster we start."""
    if dsn := os.environ.get("GOBSTOPPER_TEST_POSTGRES_DSN"):
        yield dsn
        return
    with _own(PostgresServer) as server:
        yield server.dsn


@pytest.fixture
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A Redis server of this test's own, which the test may stop and start again."""
    with _own(lambda: RedisServer(tmp_path_factory.mktemp("redis"))) as server:
        yield server


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL cluster of this test's own, which the test may stop and start again."""
    with _own(PostgresServer) as server:
        yield server


@contextlib.contextmanager
def _own(make: Callable[[], Any]) -> Iterator[Any]:
    try:
        server = make()
    except ServiceUnavailable as error:
        _unavailable(str(error))
    try:
        server.start()
        yield server
    finally:
        server.close()
