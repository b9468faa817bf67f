"""``app.cli``: a project's own commands, run as ``gobstopper <command>``.

.. code-block:: python

    import click
    from gobstopper import Gobstopper

    app = Gobstopper(__name__)

    @app.cli.command("create-admin")
    @click.argument("email")
    async def create_admin(email: str) -> None:
        \"\"\"Create an administrator account.\"\"\"
        await users.create(email, admin=True)

``gobstopper create-admin ada@example.com`` imports the application and runs the
command. A command written ``async def`` runs in an event loop of its own, between the
application's startup and shutdown hooks, so connection pools and clients that
``@app.on_startup`` opens are there for it and closed afterwards. A plain ``def``
command runs as it is, without the hooks.

This module is imported on the first use of ``app.cli``, so it imports nothing but
click.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..app import Gobstopper

__all__ = ["AppCommand", "AppGroup"]


class AppCommand(click.Command):
    """A project command: an ``async def`` callback runs inside the application's
    startup and shutdown; any other callback runs as click runs it."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the callback; await what it returns when that is a coroutine."""
        result = super().invoke(ctx)
        if not inspect.iscoroutine(result):
            return result
        try:
            app = _application(ctx)
        except click.ClickException:
            result.close()
            raise
        return asyncio.run(_within_lifespan(app, result))


class AppGroup(click.Group):
    """A click group whose commands are :class:`AppCommand` and whose sub-groups are
    ``AppGroup`` too, so ``async def`` works at every level.

    >>> @app.cli.group()
    ... def users():
    ...     \"\"\"Manage user accounts.\"\"\"
    >>> @users.command("list")
    ... async def list_users():
    ...     for user in await store.all_users():
    ...         click.echo(user.email)
    """

    command_class = AppCommand
    group_class = type


def _application(ctx: click.Context) -> Gobstopper:
    """The application the command runs for: the context object that ``gobstopper``
    sets (or that a test passes as ``CliRunner().invoke(app.cli, args, obj=app)``)."""
    from ..app import Gobstopper

    app = ctx.find_object(Gobstopper)
    if app is None:
        raise click.UsageError(
            "no application to run this command for: run it as `gobstopper "
            f"{ctx.info_name}`, or pass the app, e.g. CliRunner().invoke(app.cli, "
            "[...], obj=app)"
        )
    return app


async def _within_lifespan(app: Gobstopper, command: Coroutine[Any, Any, Any]) -> Any:
    try:
        await app.startup()
    except BaseException:
        command.close()
        raise
    try:
        return await command
    finally:
        await app.shutdown()
