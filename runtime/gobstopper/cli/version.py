"""``gobstopper version``: what is installed, for bug reports."""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import re

from ..accelerators import implementation

__all__ = ["add_parser", "version_report"]


def _installed_extras() -> list[str]:
    """Extras whose requirements are all importable in this environment."""
    try:
        requirements = importlib.metadata.requires("gobstopper") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    extras: dict[str, list[str]] = {}
    for requirement in requirements:
        marker = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", requirement)
        if not marker:
            continue
        name = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]
        extras.setdefault(marker.group(1), []).append(name)
    present = []
    for extra, names in sorted(extras.items()):
        if extra == "all" or not names:
            continue
        if all(_distribution_installed(name) for name in names if name != "gobstopper"):
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
    extras = _installed_extras()
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


def version_command(args: argparse.Namespace) -> int:
    """Print the version report."""
    print(version_report())
    return 0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``version`` sub-command."""
    parser = subparsers.add_parser(
        "version",
        help="show the versions of gobstopper, Python and Granian",
        description="Show the versions of Gobstopper, Python, Granian and msgspec, the "
        "installed extras and whether the Rust core is active.",
        epilog="example:\n  gobstopper version",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=version_command)
