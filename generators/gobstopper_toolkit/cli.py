"""The toolkit's sub-commands, added to ``gobstopper`` through the ``gobstopper.commands``
entry point."""

from __future__ import annotations

import argparse

from . import generate, init

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init`` and ``generate`` to the ``gobstopper`` command line."""
    init.add_parser(subparsers)
    generate.add_parser(subparsers)
