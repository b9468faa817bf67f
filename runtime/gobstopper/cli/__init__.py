"""The ``gobstopper`` command line.

The runtime provides ``run``, ``run-tasks``, ``cleanup-tasks`` and ``version``. Other
packages add commands through the ``gobstopper.commands`` entry-point group: each entry
point names a function ``register(subparsers)`` that adds its sub-commands (this is how
the scaffolding toolkit adds ``init`` and ``generate`` without the runtime depending on
it).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections.abc import Sequence

from . import run, tasks, version

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="gobstopper",
        description="Gobstopper: a Flask-like async web framework on Granian.",
        epilog="examples:\n  gobstopper run --config dev\n  gobstopper version",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    run.add_parser(subparsers)
    tasks.add_parsers(subparsers)
    version.add_parser(subparsers)
    for entry_point in importlib.metadata.entry_points(group="gobstopper.commands"):
        entry_point.load()(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    return int(handler(args) or 0)
