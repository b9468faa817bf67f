"""Where the project template is, and the git repository ``copier update`` reads it from.

The wheel ships the template as plain files, but ``copier update`` must see both the
version a project was made with and the new one, which needs a git repository with
tags. So each installed version commits its template into a cache repository
(``$GOBSTOPPER_TEMPLATE_CACHE``, default ``~/.cache/gobstopper/project-template``) and
tags it ``v<version>+<digest of the files>``; projects record that repository as
``_src_path`` and the tag as ``_commit``. Installing a newer Gobstopper adds its
commit on top, and ``gobstopper upgrade`` moves a project from its tag to the new one.

Every copy of the template also holds ``versions/gobstopper.txt`` and
``versions/gobstopper-core.txt``: the versions of the installed distributions, which
``copier.yml`` reads so a project requires at least the Gobstopper that made it (the
package index also holds the unrelated ``gobstopper`` 0.5.x line).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
from pathlib import Path

__all__ = [
    "TemplateError",
    "cache_repository",
    "template_root",
    "template_source",
    "template_versions",
]

_PACKAGED = Path(__file__).resolve().parent / "project-templates"
_CHECKOUT = Path(__file__).resolve().parents[2] / "project-templates"
_GIT_IDENTITY = ["-c", "user.name=gobstopper", "-c", "user.email=gobstopper@localhost"]


class TemplateError(RuntimeError):
    """The template repository cannot be prepared; the message says why."""


def template_root() -> Path:
    """The folder holding ``copier.yml``."""
    for candidate in (_PACKAGED, _CHECKOUT):
        if (candidate / "copier.yml").is_file():
            return candidate
    raise FileNotFoundError("the gobstopper project template is missing from this install")


def cache_repository() -> Path:
    """Where the versions of the template are kept as git tags."""
    configured = os.environ.get("GOBSTOPPER_TEMPLATE_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "gobstopper" / "project-template"


def _core_version() -> str:
    """The installed ``gobstopper-core``'s version; without one, the least version the
    runtime's ``rust`` extra accepts."""
    try:
        return importlib.metadata.version("gobstopper-core")
    except importlib.metadata.PackageNotFoundError:
        pass
    from gobstopper import __version__

    try:
        requirements = importlib.metadata.requires("gobstopper") or []
    except importlib.metadata.PackageNotFoundError:
        return __version__
    for requirement in requirements:
        floor = re.match(r"gobstopper-core\s*>=\s*([0-9][0-9A-Za-z.+-]*)", requirement)
        if floor:
            return floor.group(1)
    return __version__


def template_versions() -> dict[str, str]:
    """The files that tell the template which versions a new project requires:
    ``{path inside the template: version}``."""
    from gobstopper import __version__

    return {
        "versions/gobstopper.txt": __version__,
        "versions/gobstopper-core.txt": _core_version(),
    }


def _version_tag(root: Path, versions: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    for name, version in sorted(versions.items()):
        digest.update(name.encode() + b"\0" + version.encode())
    return f"v{versions['versions/gobstopper.txt']}+{digest.hexdigest()[:12]}"


def _copy_template(root: Path, destination: Path, versions: dict[str, str]) -> None:
    """Copy the template's files into ``destination`` and add the version files."""
    shutil.copytree(
        root, destination, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    for name, version in versions.items():
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        (destination / name).write_text(version + "\n")


def _git(repository: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", *_GIT_IDENTITY, *arguments], cwd=repository, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise TemplateError(f"git {arguments[0]} in {repository} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def template_source(root: Path | None = None) -> tuple[str, str | None]:
    """``(source, tag)`` to render from: the cache repository at this version's tag, made
    now if missing; or, when git is not installed, a plain copy beside it and ``None``
    (such a project cannot be upgraded with ``copier update``)."""
    root = root or template_root()
    versions = template_versions()
    tag = _version_tag(root, versions)
    repository = cache_repository()
    repository.parent.mkdir(parents=True, exist_ok=True)
    with open(repository.parent / f".{repository.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if shutil.which("git") is None:
            plain = repository.parent / f"{repository.name}-{tag}"
            if not plain.is_dir():
                partial = plain.with_name(f".{plain.name}.partial")
                shutil.rmtree(partial, ignore_errors=True)
                _copy_template(root, partial, versions)
                partial.rename(plain)
            return str(plain), None
        repository.mkdir(exist_ok=True)
        if not (repository / ".git").is_dir():
            _git(repository, "init", "-q")
        if not _git(repository, "tag", "--list", tag):
            for entry in repository.iterdir():
                if entry.name != ".git":
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            _copy_template(root, repository, versions)
            _git(repository, "add", "-A")
            _git(repository, "commit", "-q", "--allow-empty", "-m", f"template {tag}")
            _git(repository, "tag", tag)
    return str(repository), tag
