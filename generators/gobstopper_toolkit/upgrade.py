"""``gobstopper upgrade``: move a project to a newer version of its template with
``copier update``, keeping the project's own edits and reporting conflicts."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from .project import ANSWERS_FILE, Project, ProjectError
from .templates import TemplateError, cache_repository, template_source

__all__ = ["add_parser"]

EXAMPLES = """\
examples:
  gobstopper upgrade                   # to the template of the installed gobstopper
  gobstopper upgrade --to v2.0.0       # a tag of the project's template repository

The project must be a git repository with nothing uncommitted, so the upgrade is one
reviewable change. Where the template and your edits touch the same lines, both are
kept between conflict markers (<<<<<<< / >>>>>>>) and the command exits with 1.
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``upgrade``."""
    parser = subparsers.add_parser(
        "upgrade",
        help="update this project to a newer template version (copier update)",
        description="Re-apply the project's template at a newer version, merging the "
        "template's changes with yours.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--to", metavar="REF", help="template tag or commit (default: newest)")
    parser.set_defaults(handler=upgrade_command)


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


def upgrade_command(args: argparse.Namespace) -> int:
    """Entry point of ``gobstopper upgrade``."""
    import copier

    try:
        project = Project.find(Path.cwd())
        problem = _uncommitted(project.root)
        if problem:
            raise ProjectError(f"cannot upgrade {project.root}: {problem}")
        source = project.answers.get("_src_path", "")
        ref = args.to
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
        print(f"gobstopper upgrade: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # Copier's own errors: unknown ref, missing old version...
        print(f"gobstopper upgrade: error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    answers = (project.root / ANSWERS_FILE).read_text()
    version = next((line for line in answers.splitlines() if line.startswith("_commit:")), "")
    conflicts = _conflicted(project.root)
    if conflicts:
        print("gobstopper upgrade: conflicts to resolve in:", file=sys.stderr)
        for name in conflicts:
            print(f"  {name}", file=sys.stderr)
        return 1
    print(f"upgraded {project.root} to {version.partition(':')[2].strip() or 'the template'}")
    print("review with git diff, run the tests, then commit")
    return 0
