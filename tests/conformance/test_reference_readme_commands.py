"""The reference README's commands run as written: ``gobstopper run`` (every variant, on
127.0.0.1 and a free port), ``init``, ``generate``, ``run-tasks``, ``cleanup-tasks``,
``version``, the Rust core check and the demo's Granian command (see
reference_readme.py)."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from importlib.metadata import metadata
from pathlib import Path
from typing import Any

import httpx
import pytest

import gobstopper

from .ledger import docs_page
from .reference_readme import (
    APPLICATION,
    BENCHMARK_EXAMPLE,
    BLUEPRINTS_DEMO,
    CORE,
    DATA_EXAMPLE,
    DEMO,
    DEVELOPMENT,
    GENERATE,
    INIT,
    INSTALL,
    JSON_CONFIG,
    QUICK_START,
    RUNNING,
    SIMPLE,
    TOML_CONFIG,
    UPLOADS,
)
from .shell import environment, run, start_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# -- Installation -----------------------------------------------------------------------


def test_every_extra_the_install_commands_name_exists() -> None:
    named: set[str] = set()
    for command in INSTALL.commands():
        for extras in re.findall(r"gobstopper\[([a-z,]+)\]", command):
            named.update(extras.split(","))
    assert named == {"all", "templates", "tasks", "cli", "charts", "redis", "postgres", "dev"}
    assert named <= set(metadata("gobstopper").get_all("Provides-Extra") or [])


# -- The gobstopper commands ------------------------------------------------------------


def _project_with_the_simple_example(directory: Path) -> None:
    """``app.py`` and ``myapp.py`` holding the Simple Example, and the two config files
    exactly as the README prints them."""
    (directory / "app.py").write_text(SIMPLE.text)
    (directory / "myapp.py").write_text(SIMPLE.text)
    (directory / "dev.json").write_text(JSON_CONFIG.text)
    (directory / "production.toml").write_text(TOML_CONFIG.text)


#: The README's ``gobstopper run`` commands, each with what the test appends (always the
#: address: 127.0.0.1 and a free port win over the README's 0.0.0.0:8080/3000; and two
#: workers instead of eight, to keep the machine usable) and how many workers it starts.
RUN_COMMANDS = [
    ("gobstopper run", (), 1),
    ("gobstopper run --reload", (), 1),
    ("gobstopper run -w 4", (), 4),
    ("gobstopper run -h 0.0.0.0 -p 3000", (), 1),
    ("gobstopper run myapp:app", (), 1),
    ("gobstopper run --config dev", (), 4),
    ("gobstopper run --config production", (), 4),
    ("gobstopper run --config production -w 8", ("-w", "2"), 2),
    ("gobstopper run -w 4 -t 2 -h 0.0.0.0 -p 8080 --reload", (), 4),
]


def test_the_run_commands_are_the_ones_tested() -> None:
    assert RUNNING.commands() == [command for command, _, _ in RUN_COMMANDS]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("command", "extra", "workers"), RUN_COMMANDS, ids=[c for c, _, _ in RUN_COMMANDS]
)
def test_run_command_serves_the_simple_example(
    tmp_path: Path, command: str, extra: tuple[str, ...], workers: int
) -> None:
    _project_with_the_simple_example(tmp_path)
    server = start_server(command, tmp_path, *extra, "-h", "127.0.0.1", "-p", "{port}")
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            assert client.get("/").json() == {"message": "Hello from Gobstopper!"}
            assert client.get("/users/7").json() == {"user_id": "7", "name": "User 7"}
    finally:
        server.stop(workers)


@pytest.mark.integration
def test_run_reload_picks_up_an_edited_app(tmp_path: Path) -> None:
    _project_with_the_simple_example(tmp_path)
    server = start_server(
        RUNNING.command("gobstopper run --reload"), tmp_path, "-h", "127.0.0.1", "-p", "{port}"
    )
    try:
        app_py = tmp_path / "app.py"
        app_py.write_text(SIMPLE.text.replace("Hello from Gobstopper!", "Reloaded!"))
        with httpx.Client(base_url=server.url, timeout=10) as client:
            assert _eventually(lambda: _message(client) == "Reloaded!")
    finally:
        server.stop()


def _message(client: httpx.Client) -> str | None:
    try:
        return client.get("/").json()["message"]
    except httpx.HTTPError:
        return None


def _eventually(condition: Any, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.integration
def test_typed_validation_under_gobstopper_run(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APPLICATION.text)
    server = start_server("gobstopper run", tmp_path, "-p", "{port}")
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            created = client.post("/api/users", json={"name": "Ann", "email": "a@example.com"})
            refused = client.post("/api/users", json={"name": "Ann", "email": 5})
            updated = client.put("/api/users/3", json={"name": "Bo"})
    finally:
        server.stop()
    assert created.json() == {"message": "Created user: Ann"}
    assert refused.status_code == 422
    assert refused.json()["detail"]["field"] == "email"
    assert updated.json() == {"updated": "3", "changes": {"name": "Bo", "email": None}}


@pytest.mark.integration
def test_quick_start_creates_a_project_that_serves_with_reload(tmp_path: Path) -> None:
    commands = QUICK_START.commands()
    assert commands == [
        'uv add "gobstopper[cli]"',
        "uv run gobstopper init my_app",
        "cd my_app",
        "uv sync",
        "uv run gobstopper run --reload",
    ]
    # This environment is what `uv add` and `uv sync` give; `uv run` is this PATH.
    created = run(commands[1].removeprefix("uv run "), tmp_path)
    assert created.returncode == 0, created.stderr
    server = start_server(
        commands[4].removeprefix("uv run "), tmp_path / "my_app", "-h", "127.0.0.1", "-p", "{port}"
    )
    try:
        # Polled: the reloader restarts the worker when the project's task database
        # appears (see test_reload_ignores_files_the_app_writes).
        assert _eventually(lambda: _status(server.url + "/health") == 200)
    finally:
        server.stop()


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=10).status_code
    except httpx.HTTPError:
        return None


@pytest.mark.integration
def test_reload_ignores_files_the_app_writes(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APPLICATION.text + "\n" + UPLOADS.text)
    (tmp_path / "uploads").mkdir()
    server = start_server(
        RUNNING.command("gobstopper run --reload"), tmp_path, "--log-level", "info", "-p", "{port}"
    )
    try:
        assert _eventually(lambda: "Started worker-1" in server.log.read_text())
        stored = httpx.post(server.url + "/upload", files={"document": ("a.txt", b"a")}, timeout=10)
        assert stored.json() == {"uploaded": "a.txt"}
        time.sleep(2)
        log = server.log.read_text()
    finally:
        server.stop()
    assert "Changes detected" not in log, log


INIT_COMMANDS = {
    "gobstopper init": "my-service",
    "gobstopper init my-api --usecase data-science --structure modular": "my-api",
    "gobstopper init my-cms --usecase content-management --structure blueprints": "my-cms",
    "gobstopper init dashboard --usecase real-time-dashboard --structure microservices": (
        "dashboard"
    ),
    "gobstopper init simple-app --usecase microservice --structure single": "simple-app",
}


def test_the_init_commands_are_the_ones_tested() -> None:
    assert INIT.commands() == list(INIT_COMMANDS)


@pytest.mark.parametrize(("command", "folder"), INIT_COMMANDS.items(), ids=list(INIT_COMMANDS))
def test_init_command_creates_the_project(tmp_path: Path, command: str, folder: str) -> None:
    result = run(command, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / folder / ".copier-answers.yml").is_file()
    assert (tmp_path / folder / "dev.toml").is_file()


def test_generate_commands_add_code_whose_tests_pass(tmp_path: Path) -> None:
    assert run(INIT.command("gobstopper init my-api"), tmp_path).returncode == 0
    project = tmp_path / "my-api"
    for command in GENERATE.commands():
        result = run(command, project)
        assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"
    tests = run("python -m pytest -q -p no:cacheprovider", project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    for name in ("test_model_user", "test_task_process_data", "test_websocket_ws_live"):
        assert (project / "tests" / f"{name}.py").is_file()


ENQUEUE = """\
import asyncio

from app import app
from gobstopper.tasks import TaskPriority


async def main():
    await app.add_background_task("crunch", "data", TaskPriority.NORMAL, n=21)
    await app.shutdown()


asyncio.run(main())
"""

TASKS_APP = """\
from pathlib import Path

from gobstopper import Gobstopper

app = Gobstopper(__name__)


@app.task("crunch", category="data")
def crunch(n: int) -> int:
    Path("crunched").write_text(str(n * 2))
    return n * 2


@app.task("notify", category="notifications")
async def notify(to: str) -> str:
    return to
"""


@pytest.mark.integration
def test_development_commands(tmp_path: Path) -> None:
    commands = DEVELOPMENT.commands()
    assert commands == [
        "gobstopper run-tasks --categories data,notifications --workers 3",
        "gobstopper cleanup-tasks --days 7",
        "gobstopper cleanup-tasks --months 1",
        "gobstopper version",
    ]
    (tmp_path / "app.py").write_text(TASKS_APP)
    (tmp_path / "enqueue.py").write_text(ENQUEUE)
    enqueue = run("python enqueue.py", tmp_path)
    assert enqueue.returncode == 0, enqueue.stderr
    workers = subprocess.Popen(
        ["bash", "-c", f"exec {commands[0]}"],
        cwd=tmp_path,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert workers.stderr is not None
        assert "3 worker(s) each for" in workers.stderr.readline()
        assert _eventually(lambda: (tmp_path / "crunched").exists())
        assert (tmp_path / "crunched").read_text() == "42"
        workers.send_signal(signal.SIGTERM)
        assert workers.wait(30) == 0
    finally:
        workers.kill()
    for command, unit in ((commands[1], "7 day(s)"), (commands[2], "1 month(s)")):
        cleaned = run(command, tmp_path)
        assert cleaned.returncode == 0, cleaned.stderr
        assert f"deleted 0 finished task(s) older than {unit}" in cleaned.stdout
    version = run(commands[3], tmp_path)
    assert version.returncode == 0
    assert version.stdout.startswith(f"gobstopper {gobstopper.__version__}\n")


def test_core_check_lists_the_rust_symbols(tmp_path: Path) -> None:
    pytest.importorskip("gobstopper_core", reason="the Rust core is not installed")
    result = run(CORE.text.strip(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Symbols: [")
    assert "'Router'" in result.stdout


def _examples(tmp_path: Path) -> Path:
    """A copy of examples/, so that what the example apps write stays out of the tree."""
    shutil.copytree(EXAMPLES, tmp_path / "examples", ignore=shutil.ignore_patterns("uploads"))
    return tmp_path / "examples"


#: The README's commands that serve an example app, and a page each one answers. The
#: ``uv sync --extra all`` before them is what this environment already is.
EXAMPLE_COMMANDS = [
    (DEMO, "granian --interface rsgi --reload example_app:app", "/"),
    (BLUEPRINTS_DEMO, "granian --interface rsgi --reload blueprints_demo.app:app", "/"),
    (DATA_EXAMPLE, "granian --interface rsgi --reload data_example:app", "/api/records"),
]


def test_the_example_commands_are_the_ones_tested() -> None:
    assert DEMO.commands() == ["uv sync --extra all", EXAMPLE_COMMANDS[0][1]]
    assert BLUEPRINTS_DEMO.commands() == [
        "uv sync --extra all",
        EXAMPLE_COMMANDS[1][1],
        GRANIAN_SHORT_FLAGS,
    ]
    assert DATA_EXAMPLE.commands() == [EXAMPLE_COMMANDS[2][1]]
    assert BENCHMARK_EXAMPLE.commands() == [GRANIAN_THREADS]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("command", "page"),
    [(command, page) for _, command, page in EXAMPLE_COMMANDS],
    ids=[command.rpartition(" ")[2] for _, command, _ in EXAMPLE_COMMANDS],
)
def test_example_command_serves_the_example(tmp_path: Path, command: str, page: str) -> None:
    server = start_server(command, _examples(tmp_path), "--host", "127.0.0.1", "--port", "{port}")
    try:
        response = httpx.get(server.url + page, timeout=10)
    finally:
        server.stop()
    assert response.status_code == 200


#: Two README lines pass Granian options that Granian 2 does not have (``-w``/``-h``/
#: ``-p``/``-r``, ``--threads``); docs/migrating.rst gives the ``gobstopper run`` lines
#: that replace them, and this test runs them.
GRANIAN_SHORT_FLAGS = "uv run granian -w 1 -h 0.0.0.0 -p 8080 -r blueprints_demo.app:app"
GRANIAN_THREADS = "granian --interface rsgi --workers 4 --threads 2 benchmark_simple:app"
MIGRATION = docs_page("migrating").run(
    "$ gobstopper run -w 1 -h 0.0.0.0 -p 8080 --reload blueprints_demo.app:app"
)
REPLACEMENTS = [
    (GRANIAN_SHORT_FLAGS, "'-w'", 0, "/", 1),
    (GRANIAN_THREADS, "'--threads'", 1, "/json", 4),
]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("command", "option", "replacement", "page", "workers"),
    REPLACEMENTS,
    ids=["granian-short-flags", "granian-threads"],
)
def test_granian_command_with_options_granian_lacks_has_a_gobstopper_equivalent(
    tmp_path: Path, command: str, option: str, replacement: int, page: str, workers: int
) -> None:
    examples = _examples(tmp_path)
    refused = run(command.removeprefix("uv run "), examples)
    assert refused.returncode == 2
    assert f"No such option {option}" in refused.stderr
    instead = MIGRATION.commands()[replacement]
    server = start_server(instead, examples, "-h", "127.0.0.1", "-p", "{port}")
    try:
        response = httpx.get(server.url + page, timeout=10)
    finally:
        server.stop(workers)
    assert response.status_code == 200
