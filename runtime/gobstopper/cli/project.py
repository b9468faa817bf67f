"""The project a command works on: which application (``--app``, ``GOBSTOPPER_APP``,
else ``app.py:app``) and which ``.env`` file, as given to ``gobstopper`` before the
command name (``gobstopper --app shop.main:app create-admin``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .envfile import apply_env_file, env_file_to_read

if TYPE_CHECKING:
    from ..app import Gobstopper

__all__ = [
    "ProjectOptions",
    "given_options",
    "load_project_app",
    "prepare_environment",
    "project_options",
    "remember_options",
]

_OPTIONS = "gobstopper.project"
_PREPARED = "gobstopper.env_applied"


@dataclass(frozen=True)
class ProjectOptions:
    """What ``gobstopper``'s own options say about the project."""

    app: str | None = None
    env_file: Path | None = None
    load_env: bool = True


def project_options(ctx: click.Context) -> ProjectOptions:
    """The options given to ``gobstopper``; ``GOBSTOPPER_APP`` stands in for ``--app``."""
    options = given_options(ctx)
    if options.app is None and os.environ.get("GOBSTOPPER_APP"):
        options = replace(options, app=os.environ["GOBSTOPPER_APP"])
    return options


def given_options(ctx: click.Context) -> ProjectOptions:
    """The options as given on the command line so far."""
    options: ProjectOptions = ctx.meta.get(_OPTIONS, ProjectOptions())
    return options


def remember_options(ctx: click.Context, options: ProjectOptions) -> None:
    """Record ``gobstopper``'s options for the command that follows."""
    ctx.meta[_OPTIONS] = options


def prepare_environment(ctx: click.Context, directory: Path) -> None:
    """Read the project's ``.env`` (or ``--env-file``) into the environment, once,
    without overriding variables that are already set."""
    if ctx.meta.get(_PREPARED):
        return
    options = given_options(ctx)
    choice: Path | bool = (options.env_file or True) if options.load_env else False
    apply_env_file(env_file_to_read(choice, directory))
    ctx.meta[_PREPARED] = True


def load_project_app(ctx: click.Context, target: str | None) -> Gobstopper:
    """The application ``target`` names (else ``--app``, ``GOBSTOPPER_APP``, ``app.py``),
    imported after the project's ``.env`` is read."""
    from .appload import load_app

    directory = Path.cwd()
    prepare_environment(ctx, directory)
    return load_app(target or project_options(ctx).app, directory)
