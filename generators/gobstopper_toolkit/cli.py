"""The toolkit's commands, added to ``gobstopper`` through the ``gobstopper.commands``
entry point.

The toolkit ships in the ``gobstopper`` wheel, but its dependencies come with the
``cli`` extra. Without them, ``init``, ``generate`` and ``upgrade`` still appear and say
what to install, and the runtime's own commands keep working.
"""

from __future__ import annotations

import click

from gobstopper.cli import CommandError

__all__ = ["register"]

_COMMANDS = {
    "init": "Create a new project from the Gobstopper template.",
    "generate": "Add a model, endpoint, task or WebSocket handler to this project.",
    "upgrade": "Update this project to a newer template version (copier update).",
}


def register(group: click.Group) -> None:
    """Add ``init``, ``generate`` and ``upgrade`` to the ``gobstopper`` group."""
    try:
        from .generate import generate
        from .init import init
        from .upgrade import upgrade
    except ImportError as missing:
        for name, summary in _COMMANDS.items():
            group.add_command(_needs_extra(name, summary, missing.name or "?"))
        return
    group.add_command(init)
    group.add_command(generate)
    group.add_command(upgrade)


def _needs_extra(name: str, summary: str, module: str) -> click.Command:
    """A stand-in for ``name`` that accepts anything and says what to install."""

    def refuse(arguments: tuple[str, ...]) -> None:
        raise CommandError(
            f'the toolkit needs {module!r}, which is not installed: pip install "gobstopper[cli]"'
        )

    return click.Command(
        name,
        callback=refuse,
        params=[click.Argument(["arguments"], nargs=-1, type=click.UNPROCESSED)],
        help=f"{summary} (needs gobstopper[cli])",
        epilog=f'\b\nExample:\n  pip install "gobstopper[cli]" && gobstopper {name} --help',
        context_settings={"ignore_unknown_options": True, "help_option_names": []},
    )
