"""``gobstopper generate`` in each structure: the code lands where the structure keeps it,
works without hand edits, passes the project's own tests and ruff; bad input is refused
with nothing written."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gobstopper.cli import main
from gobstopper.routing import CONVERTERS, Converter
from gobstopper.tasks.registry import check_category

from .test_init import (
    COMMON_FILES,
    DATA_SCIENCE_FILES,
    DATA_SCIENCE_STRUCTURE_FILES,
    MICROSERVICE_FILES,
    STRUCTURE_FILES,
    _files,
)

GENERATED = [
    [
        *("model", "User", "-f", "name:str", "-f", "email:str", "-f", "created_at:datetime"),
        *("-f", "is_active:bool", "-f", "tags:list[str]", "-f", "score:decimal?"),
        *("-f", "ref:uuid", "-f", "born:date", "-f", "ratio:float", "-f", "visits:int"),
    ],
    ["endpoint", "/api/users", "-m", "GET", "--auth"],
    ["endpoint", "/api/users", "-m", "POST", "--model", "User"],
    ["endpoint", "/api/users/<int:user_id>", "--auth"],
    ["endpoint", "/api/orders", "-m", "get", "-m", "POST"],
    ["task", "process_data", "--category", "data"],
    ["websocket", "/ws/live", "--room-based"],
    ["websocket", "/ws/echo"],
]
TESTS = [
    "tests/test_endpoint_get_api_orders.py",
    "tests/test_endpoint_post_api_orders.py",
    "tests/test_endpoint_get_api_users.py",
    "tests/test_endpoint_get_api_users_by_user_id.py",
    "tests/test_endpoint_post_api_users.py",
    "tests/test_model_user.py",
    "tests/test_task_process_data.py",
    "tests/test_websocket_ws_echo.py",
    "tests/test_websocket_ws_live.py",
]
CODE = {
    "single": ["models.py"],
    "blueprints": [
        *("blueprints/data.py", "blueprints/echo.py", "blueprints/live.py", "blueprints/orders.py"),
        *("blueprints/users.py", "models.py"),
    ],
    "modular": [
        f"modules/{feature}/{part}.py"
        for feature in ("data", "echo", "live", "orders", "users")
        for part in ("__init__", "routes", "services")
    ]
    + ["modules/data/tasks.py", "modules/users/models.py"],
    "microservices": ["services/core/models.py"],
}


def _run(command: list[str], directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=directory, capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("structure", sorted(STRUCTURE_FILES))
def test_every_generator_wires_code_in_and_the_tests_pass(
    structure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "shop", "--structure", structure, "--no-git"]) == 0
    project = tmp_path / "shop"
    monkeypatch.chdir(project)
    for arguments in GENERATED:
        assert main(["generate", *arguments]) == 0, arguments
    expected = COMMON_FILES + MICROSERVICE_FILES + STRUCTURE_FILES[structure]
    assert _files(project) == sorted(expected + CODE[structure] + TESTS)

    tests = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout
    assert "failed" not in tests.stdout
    for check in (["check", "."], ["format", "--check", "."]):
        linted = _run([sys.executable, "-m", "ruff", *check], project)
        assert linted.returncode == 0, linted.stdout


#: The data-science tests that train models, ingest uploads and run the notebook: left to
#: the reference README test and the e2e matrix, which run them in full.
DATA_SCIENCE_FEATURE_TESTS = "not test_datasets and not test_models and not test_notebook"


@pytest.mark.parametrize("structure", sorted(STRUCTURE_FILES))
def test_generated_code_fits_a_data_science_project(
    structure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every generator in a data-science project: the code lands beside the data
    features, the whole suite still collects, every test but the data features' own
    passes, and ruff accepts it all."""
    monkeypatch.chdir(tmp_path)
    arguments = ["--usecase", "data-science", "--structure", structure, "--no-git"]
    assert main(["init", "lab", *arguments]) == 0
    project = tmp_path / "lab"
    monkeypatch.chdir(project)
    for generated in GENERATED:
        assert main(["generate", *generated]) == 0, generated
    expected = COMMON_FILES + STRUCTURE_FILES[structure] + DATA_SCIENCE_FILES
    expected += DATA_SCIENCE_STRUCTURE_FILES[structure] + CODE[structure] + TESTS
    if structure == "microservices":
        expected += ["discovery.py"]
    assert _files(project) == sorted(expected)

    pytest_run = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider"]
    tests = _run([*pytest_run, "-k", DATA_SCIENCE_FEATURE_TESTS], project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "deselected" in tests.stdout
    assert "FAILED" not in tests.stdout
    passed = {line.split("::")[0] for line in tests.stdout.splitlines() if " PASSED" in line}
    assert set(TESTS) <= passed
    for check in (["check", "."], ["format", "--check", "."]):
        linted = _run([sys.executable, "-m", "ruff", *check], project)
        assert linted.returncode == 0, linted.stdout


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "shop", "--structure", "modular", "--no-git"]) == 0
    monkeypatch.chdir(tmp_path / "shop")
    return tmp_path / "shop"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["model", "Post", "-f", "title"], "field 'title' needs a type"),
        (["model", "Post", "-f", "x:unknowntype"], "unknown type 'unknowntype'"),
        (["model", "Post", "-f", "class:str"], "not a keyword"),
        (["model", "post", "-f", "x:int"], "must be CamelCase"),
        (["model", "Post"], "at least one field"),
        (["model", "Post", "-f", "a:int", "-f", "a:str"], "fields repeat a name"),
        (["endpoint", "api/users"], "must start with '/'"),
        (["endpoint", "/api/<oops"], "is not a valid route"),
        (["endpoint", "/api/users", "-m", "POST", "--model", "Nope"], "no model 'Nope'"),
        (["task", "Bad-Name"], "lowercase identifier"),
        (["task", "ok", "--category", "no spaces"], "category 'no spaces'"),
        (["websocket", "/ws/<x"], "is not a valid route"),
        (["endpoint", "/x", "--service", "core"], "--service is for the microservices"),
    ],
)
def test_bad_specs_are_refused_and_nothing_is_written(
    project: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    before = {path: path.read_bytes() for path in project.rglob("*") if path.is_file()}
    assert main(["generate", *arguments]) == 2
    assert message in capsys.readouterr().err
    after = {path: path.read_bytes() for path in project.rglob("*") if path.is_file()}
    assert after == before


def test_outside_a_project_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "task", "work"]) == 2
    assert "no .copier-answers.yml" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_existing_code_is_kept_unless_forced(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", "task", "work", "--category", "jobs"]) == 0
    tasks = project / "modules" / "jobs" / "tasks.py"
    edited = tasks.read_text().replace('"processed"', '"done"')
    tasks.write_text(edited)
    assert main(["generate", "task", "work", "--category", "jobs"]) == 2
    assert "already defines work (use --force" in capsys.readouterr().err
    assert tasks.read_text() == edited
    assert main(["generate", "task", "work", "--category", "jobs", "--force"]) == 0
    assert '"processed"' in tasks.read_text()
    assert tasks.read_text().count("async def work(") == 1


def test_dry_run_prints_the_diff_and_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _files(project)
    assert main(["generate", "endpoint", "/api/orders", "--auth", "--dry-run"]) == 0
    output = capsys.readouterr().out
    assert "+++ b/modules/orders/routes.py" in output
    assert '+@bp.get("/api/orders")' in output
    assert "+@token_required" in output
    assert "+++ b/tests/test_endpoint_get_api_orders.py" in output
    assert "nothing written" in output
    assert _files(project) == before


def test_generate_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for arguments in (["generate"], ["generate", "model"], ["generate", "websocket"]):
        assert main([*arguments, "--help"]) == 0
        assert re.search(r"Examples?:\n +gobstopper generate ", capsys.readouterr().out)


def _in_project(project: Path, script: str) -> list[str]:
    """Run ``script`` with the project's app importable; returns the lines it prints."""
    done = _run([sys.executable, "-c", script], project)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_several_methods_make_one_handler_each_and_post_creates(project: Path) -> None:
    assert main(["generate", "endpoint", "/api/orders", "-m", "GET", "-m", "post"]) == 0
    routes = (project / "modules" / "orders" / "routes.py").read_text()
    assert '@bp.get("/api/orders")\nasync def get_api_orders() -> dict[str, object]:' in routes
    assert (
        '@bp.post("/api/orders")\nasync def post_api_orders() -> tuple[dict[str, object], int]:'
        in routes
    )
    answers = _in_project(
        project,
        "from gobstopper.testing import TestClient\nfrom app import app\n"
        "with TestClient(app) as client:\n"
        "    for method in ('GET', 'POST'):\n"
        "        response = client.request(method, '/api/orders')\n"
        "        print(method, response.status_code, response.json()['message'])\n",
    )
    assert answers == ["GET 200 GET /api/orders", "POST 201 POST /api/orders"]
    assert "== 201" in (project / "tests" / "test_endpoint_post_api_orders.py").read_text()


def test_a_room_based_websocket_keeps_the_path_typed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", "websocket", "/ws/live", "--room-based"]) == 0
    assert "/ws/live takes the room from its query: /ws/live?room=NAME" in capsys.readouterr().out
    assert '@bp.websocket("/ws/live")\n' in (project / "modules/live/routes.py").read_text()
    joined = _in_project(
        project,
        "from gobstopper.testing import TestClient\nfrom app import app\n"
        "with TestClient(app) as client:\n"
        "    for url in ('/ws/live?room=kitchen', '/ws/live'):\n"
        "        with client.websocket_connect(url) as socket:\n"
        "            print(socket.receive_json()['joined'])\n",
    )
    assert joined == ["kitchen", "lobby"]


def test_a_room_in_the_path_is_the_room(project: Path) -> None:
    assert main(["generate", "websocket", "/ws/rooms/<room>", "--room-based"]) == 0
    routes = (project / "modules/rooms/routes.py").read_text()
    assert '@bp.websocket("/ws/rooms/<room>")\n' in routes
    assert "websocket.args" not in routes
    assert "/ws/rooms/sample" in (project / "tests/test_websocket_ws_rooms_by_room.py").read_text()


def test_path_parameters_are_typed_as_their_converters_convert(project: Path) -> None:
    path = "/api/things/<uuid:thing_id>/<float:ratio>/<path:rest>"
    assert main(["generate", "endpoint", path]) == 0
    routes = (project / "modules/things/routes.py").read_text()
    assert "from uuid import UUID\n" in routes
    (handler,) = [node for node in ast.parse(routes).body if isinstance(node, ast.AsyncFunctionDef)]
    annotations = {
        arg.arg: ast.unparse(arg.annotation or ast.Constant(None)) for arg in handler.args.args
    }
    assert annotations == {"thing_id": "UUID", "ratio": "float", "rest": "str"}
    test = project / "tests/test_endpoint_get_api_things_by_thing_id_by_ratio_by_rest.py"
    assert "/api/things/12345678-1234-5678-1234-567812345678/1.5/sample" in test.read_text()
    ran = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)], project)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout


def test_a_converter_an_application_registers_gives_its_own_python_type(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class YearConverter(Converter):
        regex = r"\d{4}"
        python_type = int

    monkeypatch.setitem(CONVERTERS, "year", YearConverter)
    assert main(["generate", "endpoint", "/api/archive/<year:year>", "--dry-run"]) == 0
    assert "+async def get_api_archive_by_year(year: int) -> " in capsys.readouterr().out


@pytest.mark.parametrize(("category", "accepted"), [("a.b-c_1", True), ("x" * 65, False)])
def test_task_categories_are_checked_as_the_task_registry_checks_them(
    project: Path, capsys: pytest.CaptureFixture[str], category: str, accepted: bool
) -> None:
    registry_accepts = True
    try:
        check_category(category)
    except ValueError:
        registry_accepts = False
    assert registry_accepts is accepted
    status = main(["generate", "task", "work", "--category", category, "--dry-run"])
    assert status == (0 if accepted else 2)
    if not accepted:
        assert f"task category {category!r} must be" in capsys.readouterr().err
