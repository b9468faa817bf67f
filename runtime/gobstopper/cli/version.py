"""``gobstopper version``: what is installed, for bug reports."""

from __future__ import annotations

import importlib.metadata
import platform

import click
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from ..accelerators import implementation

__all__ = ["installed_extras", "version", "version_report"]


def _requirements(distribution: str) -> dict[str, list[Requirement]]:
    """``distribution``'s requirements by the extra that brings them (those its marker
    selects for that extra and not without it)."""
    try:
        metadata = importlib.metadata.metadata(distribution)
        requirements = [Requirement(text) for text in metadata.get_all("Requires-Dist") or []]
    except importlib.metadata.PackageNotFoundError:
        return {}
    by_extra: dict[str, list[Requirement]] = {}
    for extra in metadata.get_all("Provides-Extra") or []:
        by_extra[canonicalize_name(extra)] = [
            requirement
            for requirement in requirements
            if requirement.marker is not None
            and requirement.marker.evaluate({"extra": extra})
            and not requirement.marker.evaluate({"extra": ""})
        ]
    return by_extra


def _satisfied(requirement: Requirement, seen: frozenset[str] = frozenset()) -> bool:
    """Whether ``requirement`` is installed, with the packages each of its extras
    brings: ``granian[reload]`` needs watchfiles too."""
    name = canonicalize_name(requirement.name)
    if not _distribution_installed(name):
        return False
    if not requirement.extras or name in seen:
        return True
    brought = _requirements(name)
    return all(
        _satisfied(inner, seen | {name})
        for extra in requirement.extras
        for inner in brought.get(canonicalize_name(extra), [])
    )


def installed_extras() -> list[str]:
    """Gobstopper's extras whose packages are all installed, nested extras included
    (platform conditions of those packages are not evaluated)."""
    present = []
    for extra, requirements in sorted(_requirements("gobstopper").items()):
        wanted = [item for item in requirements if canonicalize_name(item.name) != "gobstopper"]
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
