"""How a command reports that it cannot do what was asked, in one line on stderr.

``gobstopper run: error: no app.py in /srv; pass MODULE:ATTRIBUTE`` says which command
failed and why, with no traceback and no usage text to scroll past. Exit status 2 means
the request cannot be carried out as given (bad input, missing file, wrong place);
status 1 means it was tried and failed.
"""

from __future__ import annotations

from typing import IO, Any, ClassVar

import click

__all__ = ["CommandError", "CommandFailed"]


class CommandError(click.ClickException):
    """What was asked cannot be done as given: one line on stderr, exit status 2."""

    exit_code: ClassVar[int] = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        context = click.get_current_context(silent=True)
        self.command_path = context.command_path if context is not None else "gobstopper"

    def show(self, file: IO[Any] | None = None) -> None:
        """Write ``<command>: error: <message>`` to ``file`` (stderr by default)."""
        line = f"{self.command_path}: error: {self.format_message()}"
        click.echo(line, file=file, err=file is None)


class CommandFailed(CommandError):
    """The command was carried out and failed: one line on stderr, exit status 1."""

    exit_code: ClassVar[int] = 1
