"""docs/deployment.rst: the application, its ``.env`` and its two commands, run as written
against the local Redis (two Granian workers instead of four on this two-core machine,
bound to 127.0.0.1 on a free port), behind a proxy that the ``.env`` trusts; and the
refusal of several workers on a DuckDB task file, as the page quotes it."""

from __future__ import annotations

import math
import random
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from .ledger import docs_page
from .services import require_local
from .shell import DocumentedServer, environment, run, start_server

LEDGER = docs_page("deployment")
APP = LEDGER.run("import os")
ENV_FILE = LEDGER.run("GOBSTOPPER_SECRET_KEY=a-long-random-string-shared-by-every-worker")
COMMANDS = LEDGER.run("$ gobstopper run app:app -w 4 -h 0.0.0.0 -p 8000")
REFUSAL = LEDGER.run(
    "$ GOBSTOPPER_TASK_DATABASE=tasks.duckdb gobstopper run app:app -w 4 --no-env-file"
)
LEDGER.not_a_contract(
    "location / {",
    "nginx's configuration, not ours: the headers it sets (X-Forwarded-For, "
    "X-Forwarded-Proto) are the ones test_the_application_behind_its_proxy sends",
)

pytestmark = pytest.mark.integration


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


class Deployment:
    """The documented server and task workers, and a client that comes through the proxy
    as one made-up client address."""

    def __init__(self, server: DocumentedServer) -> None:
        self.server = server
        self.client_ip = f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"

    def request(self, method: str, path: str, *, https: bool = True) -> httpx.Response:
        headers = {"X-Forwarded-For": self.client_ip, "Connection": "close"}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        return httpx.request(method, self.server.url + path, headers=headers, timeout=10)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    require_local(6379, "Redis server")
    (tmp_path / "app.py").write_text(APP.text)
    (tmp_path / ".env").write_text(ENV_FILE.text)
    serve, run_tasks = COMMANDS.commands()
    serve = serve.replace("-w 4", "-w 2").replace("-h 0.0.0.0", "-h 127.0.0.1")
    server = start_server(serve.replace(" -p 8000", ""), tmp_path, "-p", "{port}")
    workers = subprocess.Popen(
        ["bash", "-c", f"exec {run_tasks}"],
        cwd=tmp_path,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield Deployment(server)
    finally:
        workers.send_signal(signal.SIGTERM)
        try:
            workers.wait(30)
        except subprocess.TimeoutExpired:
            workers.kill()
            workers.wait()
        server.stop(workers=2)


def test_the_application_behind_its_proxy(deployment: Deployment) -> None:
    accepted = deployment.request("POST", "/orders/7/receipt")
    assert accepted.status_code == 202
    assert accepted.json()["client"] == deployment.client_ip
    assert accepted.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    cookie = accepted.headers["set-cookie"].lower()
    assert all(part in cookie for part in ("; secure", "; httponly", "samesite=lax"))

    task = f"/tasks/{accepted.json()['task']}"
    deadline = time.monotonic() + 20
    status = deployment.request("GET", task).json()
    while status["status"] != "success" and time.monotonic() < deadline:
        time.sleep(0.1)
        status = deployment.request("GET", task).json()
    assert status == {"status": "success", "result": {"sent": 7}}

    plain = deployment.request("GET", task, https=False)
    assert "strict-transport-security" not in plain.headers


def test_the_rate_limit_is_one_budget_for_every_worker(deployment: Deployment) -> None:
    """Ten requests at once, spread over both workers: the bucket of 5 (refilled at 1/s
    while they are answered) lets through at most what it holds, and refuses the rest."""
    started = time.monotonic()
    with ThreadPoolExecutor(10) as pool:
        answers = list(
            pool.map(lambda _: deployment.request("POST", "/orders/1/receipt"), range(10))
        )
    refilled = math.floor(time.monotonic() - started)
    accepted = [answer for answer in answers if answer.status_code == 202]
    refused = [answer for answer in answers if answer.status_code == 429]
    assert len(accepted) + len(refused) == 10
    assert 5 <= len(accepted) <= 5 + refilled
    assert all(answer.headers["retry-after"] for answer in refused)


def test_several_workers_on_duckdb_are_refused_as_quoted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOBSTOPPER_TASK_BROKER", raising=False)
    (tmp_path / "app.py").write_text(APP.text)
    ((command, shown),) = REFUSAL.transcript()
    result = run(re.sub(r"\s+#.*", "", command), tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "\n".join(shown)
