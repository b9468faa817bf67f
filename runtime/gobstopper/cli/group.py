"""The ``gobstopper`` click group: the runtime's commands, those that other packages add
through the ``gobstopper.commands`` entry points, and the project's own commands from
``app.cli``.

A command name is looked up in that order. The project's application is imported only
when a name is not a built-in one (and for ``--help``, to list its commands), so
``gobstopper version`` works anywhere and a broken application only matters to the
commands that need it.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .errors import CommandError
from .openapi import openapi
from .project import (
    given_options,
    load_project_app,
    project_options,
    remember_options,
)
from .run import RunError, run
from .tasks import cleanup_tasks, run_tasks
from .version import version

if TYPE_CHECKING:
    from ..app import Gobstopper

__all__ = ["GobstopperGroup", "cli"]

EXAMPLES = """\b
Examples:
  gobstopper run --config dev          serve app.py:app as dev.toml says
  gobstopper version                   what is installed, for bug reports
  gobstopper create-admin ada@example.com
                                       a command of the project (@app.cli.command)
  gobstopper --app shop.main:app seed  the same, for an app that is not app.py:app

\b
Shell completion (bash; zsh and fish likewise with zsh_source, fish_source):
  eval "$(_GOBSTOPPER_COMPLETE=bash_source gobstopper)"
"""

_APP = "gobstopper.app"


class GobstopperGroup(click.Group):
    """The top-level group: built-in commands first, then the project's ``app.cli``."""

    def __init__(self, **attrs: object) -> None:
        super().__init__(**attrs)  # type: ignore[arg-type]
        self._plugins_loaded = False

    def _load_plugins(self) -> None:
        """Let each ``gobstopper.commands`` entry point ``register(group)`` its commands."""
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for entry_point in importlib.metadata.entry_points(group="gobstopper.commands"):
            entry_point.load()(self)

    def builtin_names(self, ctx: click.Context) -> list[str]:
        """The names of the runtime's and the plugins' commands."""
        self._load_plugins()
        return super().list_commands(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in commands, then the project's (those a built-in name hides left out)."""
        builtin = self.builtin_names(ctx)
        app = self._project_app(ctx, command=None)
        project = [] if app is None else app.cli.list_commands(ctx)
        return builtin + sorted(set(project) - set(builtin))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The built-in command ``cmd_name``, else the project's command of that name."""
        self._load_plugins()
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        app = self._project_app(ctx, command=cmd_name)
        return None if app is None else app.cli.get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> None:
        """Run the command. What its callback returns is no exit status (a project
        command may return anything), so nothing is passed on: a command ends with an
        exit status through ``ctx.exit(status)`` or an exception."""
        super().invoke(ctx)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As click does, with a reason that says where project commands come from."""
        name = args[0] if args else None
        if name is None or name.startswith("-") or self.get_command(ctx, name) is not None:
            return super().resolve_command(ctx, args)
        if ctx.meta.get(_APP) is None:
            where = project_options(ctx).app or "app.py:app"
            raise click.UsageError(
                f"no such command {name!r}: it is not a gobstopper command and there is no "
                f"project application ({where}) here with commands",
                ctx,
            )
        raise click.UsageError(
            f"no such command {name!r}: neither gobstopper nor the project's app.cli "
            f"({ctx.meta[_APP][0]}) has it",
            ctx,
        )

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the built-in commands, then the project's under a heading of their own."""
        builtin = set(self.builtin_names(ctx))
        sections: dict[str, list[tuple[str, str]]] = {}
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            heading = "Commands" if name in builtin else "Project commands"
            sections.setdefault(heading, []).append((name, command.get_short_help_str(60)))
        for heading, rows in sections.items():
            if heading != "Commands":
                heading = f"{heading} ({ctx.meta[_APP][0]})"
            with formatter.section(heading):
                formatter.write_dl(rows)

    def _project_app(self, ctx: click.Context, command: str | None) -> Gobstopper | None:
        """The project's application, imported once; ``None`` when there is none here.

        For a command (``command`` given) an application that does not import is an
        error naming it (exit 2); for listing commands it is a one-line note.
        """
        if _APP in ctx.meta:
            loaded: tuple[str, Gobstopper] | None = ctx.meta[_APP]
            return None if loaded is None else loaded[1]
        target = project_options(ctx).app
        if target is None and not (Path.cwd() / "app.py").is_file():
            ctx.meta[_APP] = None
            return None
        shown = target or "app.py:app"
        try:
            app = load_project_app(ctx, target)
        except (RunError, CommandError) as error:
            ctx.meta[_APP] = None
            if command is not None:
                raise CommandError(
                    f"cannot run {command!r}: the application {shown} does not load: {error}"
                ) from None
            CommandError(f"the application {shown} does not load: {error}").show()
            return None
        ctx.meta[_APP] = (shown, app)
        ctx.obj = app
        return app


def _remember_app(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        remember_options(ctx, replace(given_options(ctx), app=value))


def _remember_env_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        remember_options(ctx, replace(given_options(ctx), env_file=value))


def _remember_no_env_file(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        remember_options(ctx, replace(given_options(ctx), load_env=False))


@click.group(
    "gobstopper",
    cls=GobstopperGroup,
    epilog=EXAMPLES,
    invoke_without_command=True,
    no_args_is_help=False,
    subcommand_metavar="COMMAND [ARGS]...",
)
@click.option(
    "--app",
    metavar="MODULE:ATTR",
    is_eager=True,
    expose_value=False,
    callback=_remember_app,
    help="The project's application (else $GOBSTOPPER_APP, else app.py:app).",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    is_eager=True,
    expose_value=False,
    callback=_remember_env_file,
    help="Read variables from this file instead of .env.",
)
@click.option(
    "--no-env-file",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_remember_no_env_file,
    help="Read no .env file.",
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Gobstopper: a Flask-like async web framework on Granian.

    Besides its own commands, gobstopper runs the project's commands (@app.cli.command)
    of the application in the working directory. .env is read first, without
    overriding variables already set.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help(), err=True)
        ctx.exit(2)


cli.add_command(run)
cli.add_command(run_tasks)
cli.add_command(cleanup_tasks)
cli.add_command(version)
cli.add_command(openapi)
