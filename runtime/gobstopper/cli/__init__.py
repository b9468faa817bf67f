"""The ``gobstopper`` command line, on click.

The runtime provides ``run``, ``run-tasks``, ``cleanup-tasks`` and ``version``. Other
packages add commands through the ``gobstopper.commands`` entry-point group: each entry
point names a function ``register(group: click.Group)`` that adds its commands (this is
how the scaffolding toolkit adds ``init``, ``generate`` and ``upgrade`` without the
runtime depending on it). A project adds its own with ``@app.cli.command()`` (see
:class:`AppGroup`).

The commands themselves (:data:`cli`) are imported on first use, so that ``app.cli`` in
a server's worker costs no more than click and :mod:`.appgroup`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from .appgroup import AppCommand, AppGroup
from .errors import CommandError, CommandFailed

if TYPE_CHECKING:
    from .group import cli

__all__ = ["AppCommand", "AppGroup", "CommandError", "CommandFailed", "cli", "main"]


def __getattr__(name: str) -> click.Group:
    if name == "cli":
        from .group import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); returns the exit
    status: 0 done, 1 failed, 2 not done as asked (the reason on one line of stderr).

    As with argparse, what fails while the command line is parsed (an unknown option, a
    bad choice, a missing argument, an unknown command) prints the usage and the reason
    and raises ``SystemExit(2)``.
    """
    from .group import cli

    try:
        status = cli.main(args=argv, prog_name="gobstopper", standalone_mode=False)
    except click.UsageError as error:
        error.show()
        raise SystemExit(error.exit_code) from None
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.Abort:
        click.echo("Aborted!", err=True)
        return 1
    return status if isinstance(status, int) else 0
