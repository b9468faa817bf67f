"""``copier update`` through ``gobstopper upgrade``: a project moves to a newer template
version, the user's own edits survive, overlapping edits are reported as conflicts, and a
project's recorded answers (its task store) stay as they were."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gobstopper.cli import main
from gobstopper_toolkit import templates

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def _git(directory: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", *arguments], cwd=directory, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GOBSTOPPER_TEMPLATE_CACHE", str(tmp_path / "cache"))


def _template_repository(tmp_path: Path) -> Path:
    """The built-in template as a git repository tagged v1.0.0."""
    repository = tmp_path / "template"
    shutil.copytree(templates.template_root(), repository)
    _git(repository, "init", "-q")
    _git(repository, "add", "-A")
    _git(repository, "commit", "-q", "-m", "v1")
    _git(repository, "tag", "v1.0.0")
    return repository


def _release_v2(repository: Path) -> None:
    readme = repository / "project" / "README.md.jinja"
    readme.write_text(readme.read_text().replace("## Layout", "## Layout of the code"))
    (repository / "project" / "CHANGELOG.md.jinja").write_text("# {{ project_name }} changes\n")
    _git(repository, "add", "-A")
    _git(repository, "commit", "-q", "-m", "v2")
    _git(repository, "tag", "v2.0.0")


def _make_project(tmp_path: Path, repository: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    arguments = ["init", "shop", "--template", str(repository), "--vcs-ref", "v1.0.0"]
    assert main(arguments) == 0
    project = tmp_path / "shop"
    assert "_commit: v1.0.0" in (project / ".copier-answers.yml").read_text()
    monkeypatch.chdir(project)
    return project


def test_an_upgrade_brings_template_changes_and_keeps_user_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repository = _template_repository(tmp_path)
    project = _make_project(tmp_path, repository, monkeypatch)
    app = project / "app.py"
    app.write_text(
        app.read_text() + '\n\n@app.get("/mine")\nasync def mine() -> str:\n    return "kept"\n'
    )
    _git(project, "commit", "-qam", "my route")
    _release_v2(repository)

    capsys.readouterr()
    assert main(["upgrade"]) == 0
    assert capsys.readouterr().out.startswith(f"upgraded {project} from v1.0.0 to v2.0.0\n")
    assert "_commit: v2.0.0" in (project / ".copier-answers.yml").read_text()
    assert (project / "CHANGELOG.md").read_text() == "# shop changes\n"
    assert "## Layout of the code" in (project / "README.md").read_text()
    assert 'return "kept"' in app.read_text()


def test_overlapping_edits_are_reported_as_conflicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repository = _template_repository(tmp_path)
    project = _make_project(tmp_path, repository, monkeypatch)
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace("## Layout", "## How the code is laid out"))
    _git(project, "commit", "-qam", "my heading")
    _release_v2(repository)

    assert main(["upgrade"]) == 1
    assert capsys.readouterr().err == (
        "gobstopper upgrade: error: conflicts to resolve in: README.md\n"
    )
    text = readme.read_text()
    assert "<<<<<<< " in text
    assert "## How the code is laid out" in text
    assert "## Layout of the code" in text


def test_uncommitted_changes_or_no_git_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _make_project(tmp_path, _template_repository(tmp_path), monkeypatch)
    (project / "app.py").write_text("# half-done\n")
    assert main(["upgrade"]) == 2
    assert "uncommitted changes" in capsys.readouterr().err
    assert (project / "app.py").read_text() == "# half-done\n"
    shutil.rmtree(project / ".git")
    assert main(["upgrade"]) == 2
    assert "not a git repository" in capsys.readouterr().err


def test_a_newer_installed_template_reaches_projects_through_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "shop"]) == 0
    project = tmp_path / "shop"
    answers = (project / ".copier-answers.yml").read_text()
    assert f"_src_path: {tmp_path / 'cache'}" in answers
    old_tag = next(line for line in answers.splitlines() if line.startswith("_commit:"))

    newer = tmp_path / "newer-template"
    shutil.copytree(templates.template_root(), newer)
    (newer / "project" / "NOTICE.md").write_text("made with a newer gobstopper\n")
    monkeypatch.setattr(templates, "template_root", lambda: newer)
    monkeypatch.chdir(project)
    assert main(["upgrade"]) == 0
    assert (project / "NOTICE.md").read_text() == "made with a newer gobstopper\n"
    assert old_tag not in (project / ".copier-answers.yml").read_text()
    tags = _git(tmp_path / "cache", "tag", "--list").split()
    assert len(tags) == 2


def test_an_upgrade_at_the_current_version_says_it_is_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _make_project(tmp_path, _template_repository(tmp_path), monkeypatch)
    head = _git(project, "rev-parse", "HEAD")
    capsys.readouterr()
    assert main(["upgrade"]) == 0
    output = capsys.readouterr().out
    assert output == f"{project} is already up to date (template v1.0.0)\n"
    assert "upgraded" not in output
    assert _git(project, "status", "--porcelain") == ""
    assert _git(project, "rev-parse", "HEAD") == head


#: The task question as templates before SQLite asked it.
DUCKDB_ERA_QUESTION = """task_backend:
  type: str
  help: Background task store
  choices: [duckdb, redis]
  default: duckdb
"""
#: Queues a report task without running it, printing its id.
QUEUE_A_REPORT = """
import asyncio
from app import app

async def main():
    print(await app.add_background_task("summarise", values=[1.0, 3.0]))
    await app.tasks.close()

asyncio.run(main())
"""
#: Runs the queued report task named in argv[1], printing its status and the task file.
RUN_THE_REPORT = """
import asyncio, sys
from app import app

async def main():
    await app.start_task_workers("reports", 1)
    for _ in range(200):
        info = await app.get_task(sys.argv[1])
        if info.status.finished:
            break
        await asyncio.sleep(0.05)
    print(info.status.value, info.result, app.settings.task_database)
    await app.tasks.close()

asyncio.run(main())
"""


def _python(project: Path, source: str, *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", source, *arguments],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "APP_TASK_WORKERS": "0"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_duckdb_project_keeps_its_task_file_across_the_upgrade_to_sqlite_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repository = _template_repository(tmp_path)
    questions = repository / "copier.yml"
    current = questions.read_text()
    asked_now = current[current.index("# sqlite is the default") : current.index("rust_core:")]
    questions.write_text(current.replace(asked_now, DUCKDB_ERA_QUESTION + "\n"))
    _git(repository, "commit", "-qam", "v1: tasks in DuckDB")
    _git(repository, "tag", "-f", "v1.0.0")
    project = _make_project(tmp_path, repository, monkeypatch)
    assert "task_backend: duckdb" in (project / ".copier-answers.yml").read_text()
    queued = _python(project, QUEUE_A_REPORT)

    questions.write_text(current)
    _git(repository, "commit", "-qam", "v2: tasks in SQLite by default")
    _git(repository, "tag", "v2.0.0")
    capsys.readouterr()
    assert main(["upgrade"]) == 0
    assert capsys.readouterr().out.startswith(f"upgraded {project} from v1.0.0 to v2.0.0\n")

    assert "task_backend: duckdb" in (project / ".copier-answers.yml").read_text()
    assert "APP_TASK_BACKEND=duckdb" in (project / ".env.example").read_text()
    assert '"gobstopper[tasks]' in (project / "pyproject.toml").read_text()
    # The task queued before the upgrade is still in the DuckDB file, and runs from it.
    ran = _python(project, RUN_THE_REPORT, queued).split()
    assert ran[0] == "success"
    assert ran[-1] == "var/shop.tasks.duckdb"
    assert not (project / "var" / "shop.tasks.sqlite3").exists()

    monkeypatch.chdir(tmp_path)
    assert main(["init", "fresh", "--template", str(repository), "--vcs-ref", "v2.0.0"]) == 0
    fresh = tmp_path / "fresh"
    assert "task_backend: sqlite" in (fresh / ".copier-answers.yml").read_text()
    assert "APP_TASK_BACKEND=sqlite" in (fresh / ".env.example").read_text()
    ran = _python(fresh, RUN_THE_REPORT, _python(fresh, QUEUE_A_REPORT)).split()
    assert (ran[0], ran[-1]) == ("success", "var/fresh.tasks.sqlite3")
