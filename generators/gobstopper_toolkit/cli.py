"""The toolkit's sub-commands, added to ``gobstopper`` through the ``gobstopper.commands``
entry point."""

from __future__ import annotations

import argparse

from . import generate, init, upgrade

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init``, ``generate`` and ``upgrade`` to the ``gobstopper`` command line."""
    init.add_parser(subparsers)
    generate.add_parser(subparsers)
    upgrade.add_parser(subparsers)
