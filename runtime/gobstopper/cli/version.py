"""``gobstopper version``: what is installed, for bug reports."""

from __future__ import annotations

import importlib.metadata
import platform
import re

import click

from ..accelerators import implementation

__all__ = ["installed_extras", "version", "version_report"]

_EXTRA_MARKER = re.compile(r"extra\s*==\s*['\"]([^'\"]+)['\"]")
_NAME_AND_EXTRAS = re.compile(r"\s*([A-Za-z0-9._-]+)\s*(?:\[([^\]]*)\])?")


def _requirements(distribution: str) -> dict[str, list[str]]:
    """``distribution``'s requirements by the extra that brings them."""
    try:
        requirements = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return {}
    by_extra: dict[str, list[str]] = {}
    for requirement in requirements:
        marker = _EXTRA_MARKER.search(requirement)
        if marker:
            by_extra.setdefault(marker.group(1), []).append(requirement.partition(";")[0])
    return by_extra


def _name_of(requirement: str) -> str:
    found = _NAME_AND_EXTRAS.match(requirement)
    return found.group(1).lower() if found else ""


def _satisfied(requirement: str, seen: frozenset[str] = frozenset()) -> bool:
    """Whether ``requirement`` (``name`` or ``name[extra,...]``) is installed, with the
    packages each of its extras brings: ``granian[reload]`` needs watchfiles too."""
    found = _NAME_AND_EXTRAS.match(requirement)
    if found is None:
        return False
    name, extras = found.group(1), found.group(2)
    if not _distribution_installed(name):
        return False
    if not extras or name in seen:
        return True
    brought = _requirements(name)
    return all(
        _satisfied(inner, seen | {name})
        for extra in extras.split(",")
        for inner in brought.get(extra.strip(), [])
    )


def installed_extras() -> list[str]:
    """Gobstopper's extras whose packages are all installed, nested extras included
    (platform conditions of those packages are not evaluated)."""
    present = []
    for extra, requirements in sorted(_requirements("gobstopper").items()):
        wanted = [item for item in requirements if _name_of(item) != "gobstopper"]
        if extra != "all" and wanted and all(_satisfied(item) for item in wanted):
            present.append(extra)
    return present


def _distribution_installed(name: str) -> bool:
    try:
        importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _version_of(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def version_report() -> str:
    """The lines ``gobstopper version`` prints."""
    extras = installed_extras()
    return "\n".join(
        [
            f"gobstopper {_version_of('gobstopper')}",
            f"python     {platform.python_version()} ({platform.python_implementation()})",
            f"granian    {_version_of('granian')}",
            f"msgspec    {_version_of('msgspec')}",
            f"extras     {', '.join(extras) if extras else 'none'}",
            f"rust core  {implementation()}",
        ]
    )


@click.command(
    "version",
    epilog="\b\nExample:\n  gobstopper version",
    short_help="Show the versions of Gobstopper, Python and Granian.",
)
def version() -> None:
    """Show the versions of Gobstopper, Python, Granian and msgspec, the installed
    extras and whether the Rust core is active."""
    click.echo(version_report())
