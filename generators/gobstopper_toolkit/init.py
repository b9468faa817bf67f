"""``gobstopper init``: render a new project from the template, all at once or not at all."""

from __future__ import annotations

import keyword
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from gobstopper.cli import CommandError, CommandFailed
from gobstopper.cli.params import Choice

__all__ = [
    "InitError",
    "check_answers",
    "init",
    "package_name_problem",
    "project_answers",
    "project_name_problem",
]

USE_CASES = ("microservice", "data-science", "real-time-dashboard", "content-management")
STRUCTURES = ("single", "blueprints", "modular", "microservices")
SESSION_BACKENDS = ("memory", "redis", "postgres")
TASK_BACKENDS = ("duckdb", "redis")
DISCOVERY = ("static", "redis")
CHOICES = {
    "usecase": USE_CASES,
    "structure": STRUCTURES,
    "session_backend": SESSION_BACKENDS,
    "task_backend": TASK_BACKENDS,
    "discovery": DISCOVERY,
}

EXAMPLES = """\b
Examples:
  gobstopper init orders --usecase microservice --structure single
  gobstopper init orders --defaults --data session_backend=redis --dest ~/src/orders
"""

_PROJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,63}$")


class InitError(Exception):
    """The project cannot be made as asked: the message says why."""


def project_answers(
    name: str | None, usecase: str | None, structure: str | None, data: tuple[str, ...]
) -> dict[str, str]:
    """The answers the flags give, checked; raises :class:`InitError`."""
    answers: dict[str, str] = {}
    for item in data:
        key, separator, value = item.partition("=")
        if not separator or not key.strip():
            raise InitError(f"--data takes KEY=VALUE, got {item!r}")
        answers[key.strip()] = value
    if name is not None:
        answers["project_name"] = name
    for key, given in (("usecase", usecase), ("structure", structure)):
        if given is not None:
            answers[key] = given
    project_name = answers.setdefault("project_name", "my-service")
    answers.setdefault("package_name", re.sub(r"[- ]", "_", project_name.lower()))
    return check_answers(answers)


def project_name_problem(name: str) -> str | None:
    """What is wrong with a project name, or ``None``."""
    if _PROJECT_NAME.match(name):
        return None
    return (
        f"project name {name!r} must start with a letter and hold only letters, digits, "
        "spaces, '-' and '_' (at most 64)"
    )


def package_name_problem(package: str) -> str | None:
    """What is wrong with a Python package name, or ``None``."""
    if package.isidentifier() and not keyword.iskeyword(package) and package.islower():
        return None
    return f"package name {package!r} must be a lowercase Python identifier and not a keyword"


def check_answers(answers: dict[str, str]) -> dict[str, str]:
    """``answers`` if every one is acceptable; else :class:`InitError` saying why."""
    problem = project_name_problem(answers["project_name"]) or package_name_problem(
        answers["package_name"]
    )
    if problem:
        raise InitError(problem)
    for key, allowed in CHOICES.items():
        if key in answers and answers[key] not in allowed:
            raise InitError(f"{key} {answers[key]!r} is not one of {', '.join(allowed)}")
    return answers


def _destination(dest: str | None, answers: dict[str, str], force: bool) -> Path:
    destination = Path(dest or answers["project_name"]).expanduser().resolve()
    if destination.exists() and not destination.is_dir():
        raise InitError(f"{destination} exists and is not a directory")
    if destination.is_dir() and any(destination.iterdir()) and not force:
        raise InitError(f"{destination} is not empty (use --force to write into it)")
    parent = destination.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise InitError(f"cannot create {destination}: {parent} is not a writable directory")
    return destination


def _render(
    answers: dict[str, str], destination: Path, template: str | None, ref: str | None
) -> None:
    import copier

    from .templates import template_source

    if template is None:
        template, ref = template_source()

    staging = Path(tempfile.mkdtemp(prefix=".gobstopper-init-", dir=destination.parent))
    try:
        copier.run_copy(
            template,
            str(staging),
            vcs_ref=ref,
            data=answers,
            defaults=True,
            quiet=True,
            overwrite=True,
        )
        destination.mkdir(exist_ok=True)
        for entry in staging.iterdir():
            target = destination / entry.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(entry, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _git_commit(destination: Path) -> str:
    if shutil.which("git") is None:
        return "git is not installed: skipped git init"
    steps = (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "commit", "-q", "-m", "Project created by gobstopper init"],
    )
    for step in steps:
        done = subprocess.run(step, cwd=destination, capture_output=True, text=True)
        if done.returncode != 0:
            return f"{' '.join(step[:2])} failed ({done.stderr.strip() or done.returncode})"
    return "git repository created with a first commit"


def _on_a_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


@click.command("init", epilog=EXAMPLES)
@click.argument("name", required=False)
@click.option("--usecase", type=Choice(USE_CASES), help="What the project is for.")
@click.option("--structure", type=Choice(STRUCTURES), help="How the code is laid out.")
@click.option("--defaults", is_flag=True, help="Take the defaults, never ask.")
@click.option("--data", multiple=True, metavar="KEY=VALUE", help="A template answer.")
@click.option("--dest", help="Directory to create (default: ./NAME).")
@click.option(
    "--template",
    metavar="SRC",
    help="Render another Copier template (a path or git URL) instead of the built-in one.",
)
@click.option("--vcs-ref", metavar="REF", help="Git tag or commit of --template.")
@click.option("--force", is_flag=True, help="Write into a non-empty directory.")
@click.option("--no-git", is_flag=True, help="Do not run git init and the first commit.")
def init(
    name: str | None,
    usecase: str | None,
    structure: str | None,
    defaults: bool,
    data: tuple[str, ...],
    dest: str | None,
    template: str | None,
    vcs_ref: str | None,
    force: bool,
    no_git: bool,
) -> None:
    """Create a new Gobstopper project with Copier.

    On a terminal, without any answer given as a flag, a wizard asks the questions;
    otherwise answers not given as flags or --data take the template's defaults and
    nothing is asked. NAME defaults to my-service.
    """
    asked_nothing = not (name or usecase or structure or data or defaults)
    try:
        if asked_nothing and _on_a_terminal():
            from .wizard import ask

            problems = {"project_name": project_name_problem, "package_name": package_name_problem}
            asked = ask(problems, CHOICES)
            if asked is None:
                click.echo("gobstopper init: cancelled; nothing written", err=True)
                raise click.exceptions.Exit(1)
            answers, git = asked
            no_git = not git
            check_answers(answers)
        else:
            answers = project_answers(name, usecase, structure, data)
        destination = _destination(dest, answers, force)
        _render(answers, destination, template, vcs_ref)
    except InitError as error:
        raise CommandError(str(error)) from None
    except click.exceptions.Exit:
        raise
    except Exception as error:  # Copier's own validation and I/O errors
        raise CommandFailed(f"{type(error).__name__}: {error}") from None
    git_note = "git skipped (--no-git)" if no_git else _git_commit(destination)
    click.echo(f"created {destination} ({git_note})")
    serve = (
        "python -m services"
        if answers.get("structure") == "microservices"
        else "gobstopper run --config dev"
    )
    click.echo(f"next:\n  cd {destination}\n  {serve}\n  python -m pytest")
