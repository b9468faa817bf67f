"""``gobstopper init`` with flags: the files it writes, the versions it requires, the
project passing its own tests and ruff (also with the longest name), its tasks running
where its README says, and bad input refused with nothing left behind."""

from __future__ import annotations

import importlib.metadata
import json
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from gobstopper import __version__
from gobstopper.cli import main
from gobstopper_toolkit import templates

from ..backends import RedisServer
from ..conftest import start_server

COMMON_FILES = [
    ".copier-answers.yml",
    ".env.example",
    ".gitignore",
    "README.md",
    "auth.py",
    "config.py",
    "dev.toml",
    "factory.py",
    "probes.py",
    "production.toml",
    "pyproject.toml",
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/test_docs.py",
    "tests/test_settings.py",
    "tests/test_reports.py",
]
#: The microservice use case's files, which every microservices-structure project has too.
MICROSERVICE_FILES = ["discovery.py", "observability.py"]
STRUCTURE_FILES = {
    "single": ["app.py", "reports.py", "tests/test_health.py"],
    "blueprints": [
        "app.py",
        "blueprints/__init__.py",
        "blueprints/main.py",
        "blueprints/reports.py",
        "reports.py",
        "tests/test_health.py",
    ],
    "modular": [
        "app.py",
        "modules/__init__.py",
        "modules/main/__init__.py",
        "modules/main/models.py",
        "modules/main/routes.py",
        "modules/main/services.py",
        "modules/reports/__init__.py",
        "modules/reports/models.py",
        "modules/reports/routes.py",
        "modules/reports/services.py",
        "modules/reports/tasks.py",
        "tests/test_health.py",
    ],
    "microservices": [
        "reports.py",
        "services/__init__.py",
        "services/__main__.py",
        "services/core/__init__.py",
        "services/core/app.py",
        "services/gateway/__init__.py",
        "services/gateway/app.py",
        "tests/test_services.py",
    ],
}

#: The data-science use case's domain package and tests, and its routes per structure.
DATA_SCIENCE_FILES = [
    "datalab/__init__.py",
    "datalab/analytics.py",
    "datalab/answers.py",
    "datalab/datasets.py",
    "datalab/learning.py",
    "datalab/serving.py",
    "datalab/store.py",
    "notebooks/explore.ipynb",
    "observability.py",
    "tests/test_datasets.py",
    "tests/test_models.py",
    "tests/test_notebook.py",
]
DATA_SCIENCE_STRUCTURE_FILES = {
    "single": [],
    "blueprints": ["blueprints/analytics.py", "blueprints/datasets.py", "blueprints/models.py"],
    "modular": [
        "modules/analytics/__init__.py",
        "modules/analytics/routes.py",
        "modules/datasets/__init__.py",
        "modules/datasets/routes.py",
        "modules/datasets/tasks.py",
        "modules/models/__init__.py",
        "modules/models/routes.py",
        "modules/models/tasks.py",
    ],
    "microservices": [
        "services/data/__init__.py",
        "services/data/app.py",
        "services/models/__init__.py",
        "services/models/app.py",
    ],
}


#: The content-management use case's domain package, pages and tests; its routes per
#: structure, which take the place of the shared front page (``main``).
CMS_FILES = [
    "cms/__init__.py",
    "cms/accounts.py",
    "cms/content.py",
    "cms/db.py",
    "cms/limits.py",
    "cms/markup.py",
    "cms/media.py",
    "cms/migrate.py",
    "cms/migrations/env.py",
    "cms/migrations/script.py.mako",
    "cms/migrations/versions/0001_initial.py",
    "cms/models.py",
    "cms/pages.py",
    "cms/passwords.py",
    "cms/roles.py",
    "cms/schemas.py",
    "cms/settings.py",
    "cms/site.py",
    "cms/web.py",
    "static/cms/site.css",
    "templates/cms/admin/base.html",
    "templates/cms/admin/content_list.html",
    "templates/cms/admin/dashboard.html",
    "templates/cms/admin/editor.html",
    "templates/cms/admin/media.html",
    "templates/cms/admin/users.html",
    "templates/cms/base.html",
    "templates/cms/home.html",
    "templates/cms/login.html",
    "templates/cms/page.html",
    "templates/cms/password.html",
    "templates/cms/reset.html",
    "tests/cms_support.py",
    "tests/test_cms.py",
    "tests/test_cms_migrations.py",
]
CMS_STRUCTURE_FILES = {
    "single": [],
    "blueprints": [
        "blueprints/admin.py",
        "blueprints/api.py",
        "blueprints/auth.py",
        "blueprints/public.py",
    ],
    "modular": [
        f"modules/{feature}/{name}"
        for feature in ("admin", "api", "auth", "public")
        for name in ("__init__.py", "routes.py")
    ],
    "microservices": [
        "services/accounts/__init__.py",
        "services/accounts/app.py",
        "services/content/__init__.py",
        "services/content/app.py",
    ],
}
CMS_REPLACED = {
    "blueprints/main.py",
    "modules/main/__init__.py",
    "modules/main/models.py",
    "modules/main/routes.py",
    "modules/main/services.py",
}


def _files(root: Path) -> list[str]:
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    )


def _run(command: list[str], directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=directory, capture_output=True, text=True, timeout=120)


def test_init_makes_a_project_that_passes_its_own_tests_and_ruff(tmp_path: Path) -> None:
    started = time.perf_counter()
    made = _run(
        [
            *(sys.executable, "-m", "gobstopper", "init", "orders"),
            *("--usecase", "microservice", "--structure", "single", "--data", "author=Ada"),
        ],
        tmp_path,
    )
    elapsed = time.perf_counter() - started
    assert made.returncode == 0, made.stderr
    project = tmp_path / "orders"
    assert _files(project) == sorted(COMMON_FILES + MICROSERVICE_FILES + STRUCTURE_FILES["single"])
    answers = (project / ".copier-answers.yml").read_text()
    assert "structure: single" in answers
    assert "usecase: microservice" in answers
    assert "_src_path:" in answers
    assert f"_gobstopper_version: {__version__}\n" in answers
    # Tasks are kept in SQLite, which needs no extra.
    assert (
        f'"gobstopper>={__version__}",\n    "httpx>=0.27",\n    "prometheus-client>=0.20",'
        in (project / "pyproject.toml").read_text()
    )
    assert 'authors = [{ name = "Ada" }]' in (project / "pyproject.toml").read_text()

    tests = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "14 passed" in tests.stdout
    for check in (["check", "."], ["format", "--check", "."]):
        linted = _run([sys.executable, "-m", "ruff", *check], project)
        assert linted.returncode == 0, linted.stdout
    print(f"gobstopper init took {elapsed:.2f}s")


def test_the_extras_follow_the_chosen_backends(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    arguments = ["--data", "session_backend=postgres", "--data", "task_backend=redis"]
    assert main(["init", "billing", "--no-git", *arguments]) == 0
    pyproject = (tmp_path / "billing" / "pyproject.toml").read_text()
    assert f'"gobstopper[redis,postgres]>={__version__}",\n' in pyproject
    factory = (tmp_path / "billing" / "factory.py").read_text()
    assert "PostgresSessionStore(config.postgres_dsn)" in factory


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["9lives"], "must start with a letter"),
        (["ok", "--data", "package_name=class"], "not a keyword"),
        (["ok", "--data", "package_name=Bad"], "lowercase Python identifier"),
        (["ok", "--data", "session_backend=mongo"], "session_backend 'mongo' is not one of"),
        (["ok", "--data", "nonsense"], "--data takes KEY=VALUE"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch, capsys, arguments: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", *arguments]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_unknown_use_cases_and_structures_are_refused(capsys) -> None:
    for flag, value in (("--usecase", "blog"), ("--structure", "monolith")):
        with pytest.raises(SystemExit) as exited:
            main(["init", "x", flag, value])
        assert exited.value.code == 2
        assert f"invalid choice: '{value}'" in capsys.readouterr().err


def test_a_non_empty_destination_needs_force(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "notes.txt").write_text("mine")
    assert main(["init", "orders", "--no-git"]) == 2
    assert "is not empty (use --force" in capsys.readouterr().err
    assert _files(tmp_path / "orders") == ["notes.txt"]
    assert main(["init", "orders", "--no-git", "--force"]) == 0
    assert (tmp_path / "orders" / "notes.txt").read_text() == "mine"
    assert (tmp_path / "orders" / "app.py").is_file()


def test_an_unwritable_destination_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["init", "x", "--dest", str(tmp_path / "missing" / "deeper" / "x")]) == 2
    assert "is not a writable directory" in capsys.readouterr().err


def test_init_without_git_identity_still_succeeds(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.gitconfig: no identity
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for variable in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "EMAIL"):
        monkeypatch.delenv(variable, raising=False)
    assert main(["init", "svc"]) == 0
    assert (tmp_path / "svc" / "app.py").is_file()


def _init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, *arguments: str) -> Path:
    monkeypatch.chdir(tmp_path)
    assert main(["init", name, "--no-git", *arguments]) == 0
    return tmp_path / name


def test_a_rust_core_project_requires_the_core_that_made_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _init(tmp_path, monkeypatch, "fast", "--data", "rust_core=true")
    core = templates.template_versions()["versions/gobstopper-core.txt"]
    assert core == importlib.metadata.version("gobstopper-core")
    dependencies = (
        f'dependencies = [\n    "gobstopper[rust]>={__version__}",\n'
        f'    "gobstopper-core>={core}",\n'
    )
    assert dependencies in (project / "pyproject.toml").read_text()


# 64 characters: the longest name init accepts.
LONG_NAME = "Quarterly-revenue-forecasting-and-anomaly-detection-for-retail-a"


@pytest.mark.parametrize("structure", sorted(STRUCTURE_FILES))
def test_the_longest_project_name_passes_ruff(
    structure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(LONG_NAME) == 64
    project = _init(tmp_path, monkeypatch, LONG_NAME, "--structure", structure)
    assert f'PROJECT_NAME = "{LONG_NAME}"' in (project / "config.py").read_text()
    for check in (["check", "."], ["format", "--check", "."]):
        linted = _run([sys.executable, "-m", "ruff", *check], project)
        assert linted.returncode == 0, linted.stdout


@pytest.mark.parametrize("structure", sorted(STRUCTURE_FILES))
def test_a_data_science_project_has_its_data_features_in_each_structure(
    structure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = ("--usecase", "data-science", "--structure", structure)
    project = _init(tmp_path, monkeypatch, "lab", *arguments)
    expected = COMMON_FILES + STRUCTURE_FILES[structure] + DATA_SCIENCE_FILES
    expected += DATA_SCIENCE_STRUCTURE_FILES[structure]
    if structure == "microservices":
        expected += ["discovery.py"]
    assert _files(project) == sorted(expected)
    assert "APP_MAX_UPLOAD_BYTES=" in (project / ".env.example").read_text()
    pyproject = (project / "pyproject.toml").read_text()
    assert '"prometheus-client>=0.20",' in pyproject
    assert '"scikit-learn>=1.4",' in pyproject
    assert '"skops>=0.10",' in pyproject
    assert 'pip install -e ".[test,ml]"' in (project / "README.md").read_text()


def test_a_data_science_project_keeps_duckdb_with_redis_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = ("--usecase", "data-science", "--data", "task_backend=redis")
    project = _init(tmp_path, monkeypatch, "lab", *arguments)
    # DuckDB is the analytical store whatever holds the tasks.
    assert (
        f'"gobstopper[tasks,redis]>={__version__}",\n' in (project / "pyproject.toml").read_text()
    )


@pytest.mark.parametrize("structure", sorted(STRUCTURE_FILES))
def test_a_content_management_project_has_its_features_in_each_structure(
    structure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = ("--usecase", "content-management", "--structure", structure)
    project = _init(tmp_path, monkeypatch, "site", *arguments)
    expected = [f for f in COMMON_FILES + STRUCTURE_FILES[structure] if f not in CMS_REPLACED]
    expected += CMS_FILES + CMS_STRUCTURE_FILES[structure]
    if structure == "microservices":
        expected += MICROSERVICE_FILES
    assert _files(project) == sorted(expected)
    pyproject = (project / "pyproject.toml").read_text()
    assert '"sqlalchemy[asyncio]>=2.0.30",' in pyproject
    assert '"nh3>=0.2.17",' in pyproject
    assert "APP_MAX_MEDIA_BYTES=" in (project / ".env.example").read_text()
    assert "create-admin you@example.com" in (project / "README.md").read_text()
    if structure == "microservices":
        # The accounts and content services share sign-ins: a shared store by default.
        assert "APP_SESSION_BACKEND=redis" in (project / ".env.example").read_text()
    for check in (["check", "."], ["format", "--check", "."]):
        linted = _run([sys.executable, "-m", "ruff", *check], project)
        assert linted.returncode == 0, linted.stdout


def test_a_microservices_project_of_any_use_case_has_what_its_gateway_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = ("--usecase", "content-management", "--structure", "microservices")
    project = _init(tmp_path, monkeypatch, "hub", *arguments)
    assert {"discovery.py", "observability.py"} <= set(_files(project))
    assert '"httpx>=0.27"' in (project / "pyproject.toml").read_text()
    imported = _run(
        [sys.executable, "-c", "import services.gateway.app, services.core.app"], project
    )
    assert imported.returncode == 0, imported.stderr


def _served_report(url: str, token: str) -> dict[str, object]:
    """Ask ``url`` for a report and follow its task until it has finished."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
        queued = client.post("/reports", json={"values": [4, 8]})
        assert queued.status_code == 202, queued.text
        for _ in range(300):
            task = client.get(queued.headers["location"]).json()
            if task["status"] not in ("pending", "started"):
                return task
            time.sleep(0.05)
    raise AssertionError(f"the task is still {task['status']}")


def test_served_with_sqlite_the_web_process_runs_the_tasks_kept_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _init(tmp_path, monkeypatch, "tally")
    assert "APP_TASK_BACKEND=sqlite" in (project / ".env.example").read_text()
    (project / ".env").write_text("APP_API_TOKEN=from-dotenv\n")
    server = start_server(project, "--config", "dev")
    try:
        task = _served_report(server.url, "from-dotenv")
    finally:
        server.stop()
    assert task["status"] == "success", task
    assert task["result"] == {"count": 2, "mean": 6.0, "minimum": 4.0, "maximum": 8.0}
    assert not list((project / "var").glob("*.duckdb"))
    with closing(sqlite3.connect(project / "var" / "tally.tasks.sqlite3")) as database:
        rows = database.execute(
            "SELECT name, status, result FROM gobstopper_tasks WHERE id = ?", (task["id"],)
        ).fetchall()
    assert [(name, status, json.loads(result)) for name, status, result in rows] == [
        ("summarise", "success", task["result"])
    ]


@pytest.mark.parametrize(
    ("usecase", "structure"), [("microservice", "microservices"), ("data-science", "single")]
)
def test_a_project_passes_its_own_tests_with_its_tasks_in_sqlite(
    usecase: str, structure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = ("--usecase", usecase, "--structure", structure)
    (tmp_path / "made").mkdir()
    project = _init(tmp_path / "made", monkeypatch, "svc", *arguments)
    assert "task_backend: sqlite" in (project / ".copier-answers.yml").read_text()
    data = tmp_path / "data"
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "APP_DATA_DIR": str(data)},
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout
    assert list(data.glob("*.tasks.sqlite3"))
    assert not list(data.glob("*.tasks.duckdb"))


def test_served_with_duckdb_the_web_process_runs_the_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _init(tmp_path, monkeypatch, "tally", "--data", "task_backend=duckdb")
    assert f'"gobstopper[tasks]>={__version__}",' in (project / "pyproject.toml").read_text()
    (project / ".env").write_text("APP_API_TOKEN=from-dotenv\n")
    server = start_server(project, "--config", "dev")
    try:
        task = _served_report(server.url, "from-dotenv")
        beside = _run([sys.executable, "-m", "gobstopper", "run-tasks"], project)
    finally:
        server.stop()
    assert task["status"] == "success", task
    assert task["result"] == {"count": 2, "mean": 6.0, "minimum": 4.0, "maximum": 8.0}
    assert beside.returncode != 0
    assert "in use by another process" in beside.stderr
    assert (project / "var" / "tally.tasks.duckdb").is_file()


def test_with_redis_run_tasks_processes_do_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_redis: RedisServer
) -> None:
    project = _init(tmp_path, monkeypatch, "tally", "--data", "task_backend=redis")
    (project / ".env").write_text(f"APP_API_TOKEN=from-dotenv\nAPP_REDIS_URL={own_redis.url}\n")
    server = start_server(project, "--config", "dev")
    workers = subprocess.Popen(
        [sys.executable, "-m", "gobstopper", "run-tasks", "--workers", "1"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        task = _served_report(server.url, "from-dotenv")
    finally:
        server.stop()
        workers.terminate()
        _, log = workers.communicate(timeout=30)
    assert task["status"] == "success", task
    assert b"1 worker(s) each for reports" in log


#: The real-time-dashboard use case's route files per structure (besides ``livedash/``).
DASHBOARD_ROUTES = {
    "single": [],
    "blueprints": [
        "blueprints/charts.py",
        "blueprints/ingest.py",
        "blueprints/pages.py",
        "blueprints/stream.py",
    ],
    "modular": [
        f"modules/{feature}/{name}"
        for feature in ("charts", "metrics", "stream")
        for name in ("__init__.py", "routes.py")
    ],
    "microservices": [
        f"services/{service}/{name}"
        for service in ("ingest", "stream", "web")
        for name in ("__init__.py", "app.py")
    ],
}


@pytest.mark.parametrize("structure", sorted(DASHBOARD_ROUTES))
def test_a_dashboard_project_has_its_features_in_each_structure(
    structure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = ("--usecase", "real-time-dashboard", "--structure", structure)
    project = _init(tmp_path, monkeypatch, "live", *arguments)
    files = set(_files(project))
    # Its page is the front page: the other use cases' ``main`` feature is left out.
    assert not any("/main" in name for name in files)
    assert set(DASHBOARD_ROUTES[structure]) <= files
    assert {
        "livedash/hub.py",
        "livedash/static/echarts/echarts.min.js",
        "livedash/static/echarts/LICENSE",
        "livedash/static/echarts/NOTICE",
        "livedash/templates/dashboard.html",
        "tests/test_dashboard.py",
    } <= files
    pyproject = (project / "pyproject.toml").read_text()
    assert f'"gobstopper[tasks,redis,charts]>={__version__}",' in pyproject
    assert '"psutil>=5.9",' in pyproject
    # The ECharts file is copied as it is, not rendered.
    root = Path(__file__).resolve().parents[2]
    bundled = root / "project-templates/project/livedash/static/echarts/echarts.min.js"
    assert (project / "livedash/static/echarts/echarts.min.js").read_bytes() == (
        bundled.read_bytes()
    )
