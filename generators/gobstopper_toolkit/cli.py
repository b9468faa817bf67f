"""The toolkit's sub-commands, added to ``gobstopper`` through the ``gobstopper.commands``
entry point.

The toolkit ships in the ``gobstopper`` wheel, but its dependencies come with the
``cli`` extra. Without them, ``init``, ``generate`` and ``upgrade`` still appear and say
what to install, and the runtime's own commands keep working.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial

__all__ = ["register"]

_COMMANDS = {
    "init": "create a new project from the Copier template",
    "generate": "add a model, endpoint, task or websocket to a project",
    "upgrade": "move a project to a newer template with copier update",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init``, ``generate`` and ``upgrade`` to the ``gobstopper`` command line."""
    try:
        from . import generate, init, upgrade
    except ImportError as missing:
        for name, summary in _COMMANDS.items():
            parser = subparsers.add_parser(name, help=f"{summary} (needs gobstopper[cli])")
            parser.add_argument("arguments", nargs=argparse.REMAINDER)
            parser.set_defaults(handler=partial(_needs_extra, name, missing.name or "?"))
        return
    init.add_parser(subparsers)
    generate.add_parser(subparsers)
    upgrade.add_parser(subparsers)


def _needs_extra(command: str, module: str, args: argparse.Namespace) -> int:
    print(
        f"gobstopper {command}: error: the toolkit needs {module!r}, which is not installed: "
        'pip install "gobstopper[cli]"',
        file=sys.stderr,
    )
    return 2
