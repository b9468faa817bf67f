"""A project's own commands: ``@app.cli.command`` run as ``gobstopper <command>``, with
``async def`` inside the application's startup and shutdown, ``.env`` read first, and
clear errors for unknown commands and applications that do not load."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gobstopper import Gobstopper
from gobstopper.cli import AppGroup, cli

GOBSTOPPER = Path(sys.executable).with_name("gobstopper")

PROJECT = """\
import os
from pathlib import Path

import click

from gobstopper import Gobstopper

app = Gobstopper(__name__)
events: list[str] = []


@app.on_startup
async def open_pool() -> None:
    events.append("startup")


@app.on_shutdown
async def close_pool() -> None:
    events.append("shutdown")
    Path("events.txt").write_text(" ".join(events))


@app.cli.command("seed")
@click.option("--rows", type=int, default=3)
def seed(rows: int) -> None:
    \"\"\"Fill the database with sample rows.\"\"\"
    Path("seeded.txt").write_text(f"{rows} rows for {os.environ.get('SEED_OWNER')}")
    click.echo(f"seeded {rows} rows")


@app.cli.command("count-users")
async def count_users() -> None:
    \"\"\"Count the users, with the pool the startup hook opened.\"\"\"
    events.append("command")
    click.echo(f"events so far: {' '.join(events)}")


@app.cli.group()
def users() -> None:
    \"\"\"Manage user accounts.\"\"\"


@users.command("create")
@click.argument("email")
async def create_user(email: str) -> None:
    \"\"\"Create a user.\"\"\"
    events.append(f"create {email}")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory whose ``app.py`` defines commands; the working directory."""
    (tmp_path / "app.py").write_text(PROJECT)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOBSTOPPER_APP", raising=False)
    monkeypatch.delitem(sys.modules, "app", raising=False)
    return tmp_path


def _gobstopper(*arguments: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GOBSTOPPER), *arguments],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_project_command_runs_as_a_gobstopper_command(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(PROJECT)
    done = _gobstopper("seed", "--rows", "5", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "seeded 5 rows\n"
    assert (tmp_path / "seeded.txt").read_text() == "5 rows for None"
    assert not (tmp_path / "events.txt").exists()  # a plain def runs without the hooks


def test_an_unknown_command_exits_2_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(PROJECT)
    done = _gobstopper("nosuch", cwd=tmp_path)
    assert done.returncode == 2
    assert (
        "no such command 'nosuch': neither gobstopper nor the project's app.cli "
        "(app.py:app) has it" in done.stderr
    )
    elsewhere = _gobstopper("nosuch", cwd=tmp_path / "..")
    assert elsewhere.returncode == 2
    assert "not a gobstopper command and there is no project application" in elsewhere.stderr


def test_an_async_command_runs_between_startup_and_shutdown(project: Path) -> None:
    result = CliRunner().invoke(cli, ["count-users"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "events so far: startup command\n"
    assert (project / "events.txt").read_text() == "startup command shutdown"


def test_groups_of_project_commands_nest_and_run_async(project: Path) -> None:
    result = CliRunner().invoke(cli, ["users", "create", "ada@example.com"])
    assert result.exit_code == 0, result.output
    assert (project / "events.txt").read_text() == "startup create ada@example.com shutdown"


def test_help_lists_the_project_commands_under_their_own_heading(project: Path) -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    builtin, _, project_part = result.stdout.partition("Project commands (app.py:app):")
    assert "  run " in builtin
    assert "  version " in builtin
    assert "count-users  Count the users" in project_part
    assert "seed         Fill the database with sample rows." in project_part
    assert "users        Manage user accounts." in project_part


def test_dotenv_values_reach_project_commands_under_real_ones(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".env").write_text("SEED_OWNER=dotenv\n")
    (project / "other.env").write_text("SEED_OWNER=other\n")
    done = _gobstopper("seed", cwd=project)
    assert (project / "seeded.txt").read_text() == "3 rows for dotenv", done.stderr
    _gobstopper("--env-file", "other.env", "seed", cwd=project)
    assert (project / "seeded.txt").read_text() == "3 rows for other"
    _gobstopper("--no-env-file", "seed", cwd=project)
    assert (project / "seeded.txt").read_text() == "3 rows for None"
    _gobstopper("seed", cwd=project, SEED_OWNER="real")
    assert (project / "seeded.txt").read_text() == "3 rows for real"


def test_an_app_elsewhere_is_found_with_app_or_gobstopper_app(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = f"shop_{uuid.uuid4().hex[:8]}"
    (project / "app.py").unlink()
    (project / f"{module}.py").write_text(PROJECT)
    assert CliRunner().invoke(cli, ["--app", f"{module}:app", "seed"]).exit_code == 0
    assert (project / "seeded.txt").is_file()
    monkeypatch.setenv("GOBSTOPPER_APP", f"{module}:app")
    assert CliRunner().invoke(cli, ["seed", "--rows", "9"]).exit_code == 0
    assert (project / "seeded.txt").read_text().startswith("9 rows")


def test_a_broken_app_only_fails_the_commands_that_need_it(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("raise RuntimeError('config is missing')\n")
    seed = _gobstopper("seed", cwd=tmp_path)
    assert seed.returncode == 2
    assert seed.stderr == (
        "gobstopper: error: cannot run 'seed': the application app.py:app does not load: "
        "importing 'app' failed: RuntimeError: config is missing\n"
    )
    version = _gobstopper("version", cwd=tmp_path)
    assert version.returncode == 0
    assert version.stderr == ""
    listed = _gobstopper("--help", cwd=tmp_path)
    assert listed.returncode == 0
    assert "  version " in listed.stdout
    assert "the application app.py:app does not load" in listed.stderr


def test_built_in_commands_win_over_project_commands_of_the_same_name(project: Path) -> None:
    (project / "app.py").write_text(
        PROJECT + '\n\n@app.cli.command("version")\ndef mine() -> None:\n    click.echo("mine")\n'
    )
    result = CliRunner().invoke(cli, ["version"])
    assert result.stdout.startswith("gobstopper ")


def test_app_cli_runs_in_a_test_when_given_the_app() -> None:
    app = Gobstopper(__name__)
    seen: list[str] = []
    app.on_startup(lambda: seen.append("startup"))

    @app.cli.command("ping")
    async def ping() -> None:
        seen.append("ping")

    assert isinstance(app.cli, AppGroup)
    assert CliRunner().invoke(app.cli, ["ping"], obj=app).exit_code == 0
    assert seen == ["startup", "ping"]
    without = CliRunner().invoke(app.cli, ["ping"])
    assert without.exit_code == 2
    assert "no application to run this command for" in without.stderr
    assert seen == ["startup", "ping"]


def test_commands_of_a_plain_click_decorator_are_app_commands_too() -> None:
    group = AppGroup("tools")

    @group.command
    def tidy() -> None:
        click.echo("tidied")

    assert CliRunner().invoke(group, ["tidy"]).stdout == "tidied\n"
