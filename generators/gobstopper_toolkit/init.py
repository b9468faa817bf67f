"""``gobstopper init``: render a new project from the template, all at once or not at all."""

from __future__ import annotations

import argparse
import keyword
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = [
    "InitError",
    "add_parser",
    "check_answers",
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

EXAMPLES = """\
examples:
  gobstopper init orders --usecase microservice --structure single
  gobstopper init orders --defaults --data session_backend=redis --dest ~/src/orders
"""

_PROJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,63}$")


class InitError(Exception):
    """The project cannot be made as asked: the message says why."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``init``."""
    parser = subparsers.add_parser(
        "init",
        help="create a new project from the Gobstopper template",
        description="Create a new Gobstopper project with Copier. On a terminal, without "
        "any answer given as a flag, a wizard asks the questions; otherwise answers not "
        "given as flags or --data take the template's defaults and nothing is asked.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", nargs="?", help="project name (default: my-service)")
    parser.add_argument("--usecase", choices=USE_CASES, help="what the project is for")
    parser.add_argument("--structure", choices=STRUCTURES, help="how the code is laid out")
    parser.add_argument("--defaults", action="store_true", help="take defaults, never ask")
    parser.add_argument(
        "--data", action="append", default=[], metavar="KEY=VALUE", help="a template answer"
    )
    parser.add_argument("--dest", help="directory to create (default: ./NAME)")
    parser.add_argument(
        "--template",
        metavar="SRC",
        help="render another Copier template (a path or git URL) instead of the built-in one",
    )
    parser.add_argument("--vcs-ref", metavar="REF", help="git tag or commit of --template")
    parser.add_argument("--force", action="store_true", help="write into a non-empty directory")
    parser.add_argument(
        "--no-git", action="store_true", help="do not run git init and the first commit"
    )
    parser.set_defaults(handler=init_command)


def project_answers(args: argparse.Namespace) -> dict[str, str]:
    """The answers the flags give, checked; raises :class:`InitError`."""
    answers: dict[str, str] = {}
    for item in args.data:
        key, separator, value = item.partition("=")
        if not separator or not key.strip():
            raise InitError(f"--data takes KEY=VALUE, got {item!r}")
        answers[key.strip()] = value
    if args.name is not None:
        answers["project_name"] = args.name
    for key in ("usecase", "structure"):
        if getattr(args, key) is not None:
            answers[key] = getattr(args, key)
    name = answers.setdefault("project_name", "my-service")
    answers.setdefault("package_name", re.sub(r"[- ]", "_", name.lower()))
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


def _destination(args: argparse.Namespace, answers: dict[str, str]) -> Path:
    destination = Path(args.dest or answers["project_name"]).expanduser().resolve()
    if destination.exists() and not destination.is_dir():
        raise InitError(f"{destination} exists and is not a directory")
    if destination.is_dir() and any(destination.iterdir()) and not args.force:
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


def _wants_wizard(args: argparse.Namespace) -> bool:
    """On a terminal, with no answer given as a flag and no --defaults."""
    given = (args.name, args.usecase, args.structure, args.data or None, args.defaults or None)
    return all(value is None for value in given) and sys.stdin.isatty() and sys.stdout.isatty()


def init_command(args: argparse.Namespace) -> int:
    """Entry point of ``gobstopper init``."""
    try:
        if _wants_wizard(args):
            from .wizard import ask

            problems = {"project_name": project_name_problem, "package_name": package_name_problem}
            asked = ask(problems, CHOICES)
            if asked is None:
                print("gobstopper init: cancelled; nothing written", file=sys.stderr)
                return 1
            answers, git = asked
            args.no_git = not git
            check_answers(answers)
        else:
            answers = project_answers(args)
        destination = _destination(args, answers)
        _render(answers, destination, args.template, args.vcs_ref)
    except InitError as error:
        print(f"gobstopper init: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # Copier's own validation and I/O errors
        print(f"gobstopper init: error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    git = "git skipped (--no-git)" if args.no_git else _git_commit(destination)
    print(f"created {destination} ({git})")
    serve = (
        "python -m services"
        if answers.get("structure") == "microservices"
        else ("gobstopper run --config dev")
    )
    print(f"next:\n  cd {destination}\n  {serve}\n  python -m pytest")
    return 0
