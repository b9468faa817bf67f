"""The toolkit's sub-commands, added to ``gobstopper`` through the ``gobstopper.commands``
entry point."""

from __future__ import annotations

import argparse

from . import init

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init`` to the ``gobstopper`` command line."""
    init.add_parser(subparsers)
