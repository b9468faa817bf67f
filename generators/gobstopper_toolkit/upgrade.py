"""``gobstopper upgrade``: move a project to a newer version of its template with
``copier update``, keeping the project's own edits and reporting conflicts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click

from gobstopper.cli import CommandError, CommandFailed

from .project import ANSWERS_FILE, Project, ProjectError
from .templates import TemplateError, cache_repository, template_source

__all__ = ["upgrade"]

EXAMPLES = """\b
Examples:
  gobstopper upgrade                   # to the template of the installed gobstopper
  gobstopper upgrade --to v2.0.0       # a tag of the project's template repository

\b
The project must be a git repository with nothing uncommitted, so the upgrade is one
reviewable change. Where the template and your edits touch the same lines, both are
kept between conflict markers (<<<<<<< / >>>>>>>) and the command exits with 1.
"""


def _uncommitted(root: Path) -> str | None:
    done = subprocess.run(
        ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True
    )
    if done.returncode != 0:
        return "it is not a git repository (copier update needs one: git init, then commit)"
    if done.stdout.strip():
        return "it has uncommitted changes; commit or stash them first"
    return None


def _conflicted(root: Path) -> list[str]:
    done = subprocess.run(
        ["git", "diff", "--name-only", "-G", "^<<<<<<< "], cwd=root, capture_output=True, text=True
    )
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    names = set(done.stdout.split())
    names.update(
        name
        for name in untracked.stdout.split()
        if name.endswith(".rej") or "<<<<<<< " in (root / name).read_text(errors="replace")
    )
    return sorted(names)


def _template_version(root: Path) -> str:
    """The template version the project is at (``_commit`` of its answers file)."""
    answers = (root / ANSWERS_FILE).read_text()
    line = next((line for line in answers.splitlines() if line.startswith("_commit:")), "")
    return line.partition(":")[2].strip()


@click.command(
    "upgrade",
    epilog=EXAMPLES,
    short_help="Move this project to a newer template (copier update).",
)
@click.option("--to", metavar="REF", help="Template tag or commit (default: newest).")
def upgrade(to: str | None) -> None:
    """Update this project to a newer template version (copier update), merging the
    template's changes with yours."""
    import copier

    try:
        project = Project.find(Path.cwd())
        problem = _uncommitted(project.root)
        if problem:
            raise ProjectError(f"cannot upgrade {project.root}: {problem}")
        before = _template_version(project.root)
        source = project.answers.get("_src_path", "")
        ref = to
        if Path(source).expanduser() == cache_repository():
            _, current = template_source()
            ref = ref or current
        copier.run_update(
            str(project.root),
            vcs_ref=ref,
            defaults=True,
            overwrite=True,
            conflict="inline",
            quiet=True,
        )
    except (ProjectError, TemplateError) as error:
        raise CommandError(str(error)) from None
    except Exception as error:  # Copier's own errors: unknown ref, missing old version...
        raise CommandFailed(f"{type(error).__name__}: {error}") from None
    after = _template_version(project.root)
    conflicts = _conflicted(project.root)
    if conflicts:
        raise CommandFailed(f"conflicts to resolve in: {', '.join(conflicts)}")
    if after == before and _uncommitted(project.root) is None:
        click.echo(f"{project.root} is already up to date (template {after or 'unversioned'})")
        return
    click.echo(
        f"upgraded {project.root} from {before or 'the template'} to {after or 'the template'}"
    )
    click.echo("review with git diff, run the tests, then commit")
