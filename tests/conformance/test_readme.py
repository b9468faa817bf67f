"""This project's README: every Python sample runs as written with its behaviour asserted,
and its ``gobstopper`` commands run (servers on 127.0.0.1 and a free port)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from gobstopper.testing import AsyncTestClient, TestClient

from .ledger import ROOT, Ledger
from .shell import environment, run, start_server

LEDGER = Ledger(ROOT / "README.md")

FIRST_APP = LEDGER.run("import msgspec")
SERVE = LEDGER.run(
    '$ pip install "gobstopper>=0.6"     '
    '# until 0.6 is on the index: "Installing from this repository"'
)
PROJECT = LEDGER.run("$ gobstopper init orders --usecase microservice --structure modular")
FILES = LEDGER.run(
    "from gobstopper import Gobstopper, Request, secure_filename, send_from_directory"
)
TASKS = LEDGER.run("from gobstopper import Gobstopper")
TASK_COMMANDS = LEDGER.run(
    "$ gobstopper run-tasks --categories notifications --workers 3   # workers in their own process"
)
IMPORTS = LEDGER.run("from gobstopper import (")

LEDGER.not_a_contract(
    "$ make wheels                      # dist/gobstopper-0.6.0-*.whl, "
    "dist/gobstopper_core-0.6.0-*.whl",
    "building and installing the wheels; tests/e2e installs built wheels in a fresh venv",
)
LEDGER.not_a_contract(
    "$ export PIP_FIND_LINKS=/path/to/gobstopper/dist       # for pip",
    "pip's and uv's own settings, pointing them at the wheels built above",
)
LEDGER.not_a_contract(
    "$ make demo     # serve examples/example_app.py on http://127.0.0.1:8000 (embedded defaults)",
    "contributor set-up; make test runs this suite itself",
)


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


# -- The first application --------------------------------------------------------------


def test_first_app_serves_html_and_typed_json(workdir: Path) -> None:
    app = FIRST_APP.exec()["app"]
    with TestClient(app) as client:
        index = client.get("/")
        created = client.post("/users", json={"name": "Ann", "age": 41})
        shown = client.get("/users/1")
        missing = client.get("/users/9", headers={"accept": "application/json"})
        not_a_number = client.get("/users/ann")
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert index.text == "<h1>Hello from Gobstopper</h1>"
    assert (created.status_code, created.json()) == (201, {"id": 1})
    assert shown.json() == {"name": "Ann", "age": 41}
    assert (missing.status_code, missing.json()["message"]) == (404, "no such user")
    assert not_a_number.status_code == 404


def test_first_app_refuses_a_wrong_type_naming_the_field(workdir: Path) -> None:
    with TestClient(FIRST_APP.exec()["app"]) as client:
        response = client.post("/users", json={"name": "Ann", "age": "forty"})
    assert response.status_code == 422
    assert response.json()["detail"] == {"field": "age", "message": "Expected `int`, got `str`"}


@pytest.mark.integration
def test_gobstopper_run_serves_the_first_app(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(FIRST_APP.text)
    server = start_server(SERVE.command("gobstopper run"), tmp_path, "-p", "{port}")
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            created = client.post("/users", json={"name": "Bo", "age": 7})
            shown = client.get("/users/1")
    finally:
        server.stop()
    assert created.status_code == 201
    assert shown.json() == {"name": "Bo", "age": 7}


# -- A generated project -----------------------------------------------------------------


@pytest.mark.integration
def test_init_generate_test_and_serve_a_project(tmp_path: Path) -> None:
    init, generate, test_and_serve = PROJECT.commands()
    for command in (init, generate):
        result = run(command, tmp_path)
        assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"
    project = tmp_path / "orders"
    tests, serve = test_and_serve.split(" && ")
    result = run(f"{tests} -q -p no:cacheprovider", project)
    assert result.returncode == 0, result.stdout + result.stderr
    server = start_server(serve, project, "-p", "{port}")
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            health = client.get("/health")
            unauthorised = client.post("/api/orders", json={})
    finally:
        server.stop()
    assert health.status_code == 200
    assert unauthorised.status_code == 401


# -- Templates, uploads and downloads ----------------------------------------------------


@pytest.fixture
def files_app(workdir: Path) -> Any:
    for folder in ("templates", "static", "uploads", "exports"):
        (workdir / folder).mkdir()
    (workdir / "templates" / "hello.html").write_text("<p>Hello {{ name }}</p>")
    (workdir / "static" / "site.css").write_text("body { margin: 0 }")
    (workdir / "exports" / "report.csv").write_text("a,b\n1,2\n")
    return FILES.exec()["app"]


def test_template_static_upload_and_export(files_app: Any, workdir: Path) -> None:
    with TestClient(files_app) as client:
        hello = client.get("/hello/Ann")
        css = client.get("/static/site.css")
        stored = client.post("/photos", files={"photo": ("../me.png", b"\x89PNG-data")})
        export = client.get("/exports/report.csv")
        escape = client.get("/exports/../templates/hello.html")
    assert hello.text == "<p>Hello Ann</p>"
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert (stored.status_code, stored.json()) == (201, {"stored": 9})
    assert (workdir / "uploads" / "me.png").read_bytes() == b"\x89PNG-data"
    assert export.text == "a,b\n1,2\n"
    assert export.headers["content-disposition"] == 'attachment; filename="report.csv"'
    assert escape.status_code == 404


# -- Background tasks -------------------------------------------------------------------


async def test_welcome_task_is_accepted_run_and_reported(workdir: Path) -> None:
    app = TASKS.exec()["app"]
    async with AsyncTestClient(app) as client:
        accepted = await client.post("/users/5/welcome")
        assert accepted.status_code == 202
        await app.start_task_workers("notifications", worker_count=1)
        status = await _finished(client, accepted.json()["task"])
        unknown = await client.get("/tasks/unknown")
    assert status == {"status": "success", "result": {"sent_to": 5}}
    assert (unknown.status_code, unknown.json()) == (404, {})


async def _finished(client: AsyncTestClient, task_id: str) -> Any:
    for _ in range(250):
        body = (await client.get(f"/tasks/{task_id}")).json()
        if body["status"] == "success":
            return body
        await asyncio.sleep(0.02)
    return body


ENQUEUE = """\
import asyncio

from app import app
from gobstopper.tasks import TaskPriority


async def main():
    task_id = await app.add_background_task(
        "send_welcome", "notifications", TaskPriority.HIGH, user_id=8
    )
    print(task_id)
    await app.shutdown()


asyncio.run(main())
"""

STATUS = """\
import asyncio
import sys

from app import app


async def main():
    info = await app.get_task(sys.argv[1])
    print(info.status.value, info.result)
    await app.shutdown()


asyncio.run(main())
"""


def _database(url: str, number: int) -> str:
    """``url`` with its database number replaced, so these tasks meet no others."""
    base, _, last = url.rstrip("/").rpartition("/")
    return f"{base}/{number}" if last.isdigit() else f"{url.rstrip('/')}/{number}"


@pytest.mark.integration
def test_run_tasks_and_cleanup_tasks_commands(tmp_path: Path, redis_url: str) -> None:
    """The commands on the Redis broker (the sample's GOBSTOPPER_TASK_BROKER), which lets
    this test ask for the task's status while the workers' process runs."""
    workers_command, cleanup_command = TASK_COMMANDS.commands()
    broker = {"GOBSTOPPER_TASK_BROKER": _database(redis_url, 11)}
    (tmp_path / "app.py").write_text(TASKS.text)
    (tmp_path / "enqueue.py").write_text(ENQUEUE)
    (tmp_path / "status.py").write_text(STATUS)
    enqueued = run("python enqueue.py", tmp_path, **broker)
    assert enqueued.returncode == 0, enqueued.stderr
    task_id = enqueued.stdout.strip()
    workers = subprocess.Popen(
        ["bash", "-c", f"exec {workers_command}"],
        cwd=tmp_path,
        env=environment(**broker),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert workers.stderr is not None
        assert "3 worker(s) each for notifications" in workers.stderr.readline()
        status = ""
        for _ in range(100):
            status = run(f"python status.py {task_id}", tmp_path, **broker).stdout
            if status.startswith("success"):
                break
        workers.send_signal(signal.SIGTERM)
        assert workers.wait(30) == 0
    finally:
        workers.kill()
    assert status == "success {'sent_to': 8}\n"
    cleaned = run(cleanup_command, tmp_path, **broker)
    assert cleaned.returncode == 0, cleaned.stderr
    assert "deleted 0 finished task(s) older than 7 day(s)" in cleaned.stdout


# -- Public imports ---------------------------------------------------------------------


def test_every_public_import_resolves() -> None:
    namespace = IMPORTS.exec()
    for name in ("Gobstopper", "CORSMiddleware", "RedisTaskStore", "TestClient", "WebSocket"):
        assert name in namespace
