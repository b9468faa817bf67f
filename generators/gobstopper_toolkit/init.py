"""``gobstopper init``: render a new project from the template, all at once or not at all."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

from gobstopper.cli import CommandError, CommandFailed
from gobstopper.cli.params import Choice

from .questions import TemplateQuestions, template_questions

__all__ = ["InitError", "check_answers", "init", "project_answers"]

EXAMPLES = """\b
Examples:
  gobstopper init orders --usecase microservice --structure single
  gobstopper init orders --defaults --data session_backend=redis --dest ~/src/orders
"""


if TYPE_CHECKING:
    _TextParamType = click.ParamType[str]
else:  # click before 8.4 cannot subscript ParamType at runtime
    _TextParamType = click.ParamType


class InitError(Exception):
    """The project cannot be made as asked: the message says why."""


class TemplateChoice(_TextParamType):
    """A choice among the values the template's ``copier.yml`` offers for one question.

    They are read when a command line is parsed, not when ``init`` is registered (which
    every ``gobstopper`` command does), so only ``init`` pays for reading the template.
    """

    name = "choice"

    def __init__(self, question: str) -> None:
        self.question = question

    def _choice(self) -> Choice:
        return Choice(template_questions()[self.question].values)

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        """``[a|b|c]``, as click shows a choice."""
        return f"[{'|'.join(template_questions()[self.question].values)}]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """The value, if the template offers it; anything else fails with the choices."""
        return self._choice().convert(value, param, ctx)

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        """The choices that start with what was typed."""
        return self._choice().shell_complete(ctx, param, incomplete)


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
    questions = template_questions()
    answers.setdefault("project_name", questions.default("project_name", {}))
    check_answers(answers, questions, ("project_name",))
    answers.setdefault("package_name", questions.default("package_name", answers))
    return check_answers(answers, questions)


def check_answers(
    answers: dict[str, str],
    questions: TemplateQuestions | None = None,
    names: tuple[str, ...] | None = None,
) -> dict[str, str]:
    """``answers`` if the template's questions accept every one (or those in ``names``),
    exactly as Copier would; else :class:`InitError` saying which and why."""
    questions = questions or template_questions()
    for question in questions:
        if question.name in answers and (names is None or question.name in names):
            problem = questions.problem(question.name, answers)
            if problem:
                raise InitError(f"{question.name} {answers[question.name]!r} {problem}")
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
@click.option("--usecase", type=TemplateChoice("usecase"), help="What the project is for.")
@click.option("--structure", type=TemplateChoice("structure"), help="How the code is laid out.")
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

            asked = ask(template_questions())
            if asked is None:
                raise CommandFailed("cancelled; nothing written")
            answers, git = asked
            no_git = not git
            check_answers(answers)
        else:
            answers = project_answers(name, usecase, structure, data)
        destination = _destination(dest, answers, force)
    except InitError as error:
        raise CommandError(str(error)) from None
    try:
        _render(answers, destination, template, vcs_ref)
    except Exception as error:  # Copier's own validation and I/O errors
        raise CommandFailed(f"{type(error).__name__}: {error}") from None
    git_note = "git skipped (--no-git)" if no_git else _git_commit(destination)
    click.echo(f"created {destination} ({git_note})")
    serve = (
        "python -m services"
        if answers.get("structure") == "microservices"
        else "gobstopper run --config dev"
    )
    click.echo(
        f"next (the project's README says the same):\n"
        f"  cd {destination}\n"
        '  python3 -m venv .venv && . .venv/bin/activate && python -m pip install -e ".[test]"\n'
        "      (or: uv sync --extra test && . .venv/bin/activate)\n"
        "  cp .env.example .env\n"
        f"  {serve}\n"
        "  python -m pytest"
    )
