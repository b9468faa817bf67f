"""``.env`` files: settings for a project's commands that never override the real
environment.

``gobstopper run``, ``run-tasks``, ``cleanup-tasks`` and the project's own commands read
``.env`` from the working directory when it exists (python-dotenv syntax). A variable
already set in the environment keeps its value, so what a process manager or a shell
sets always wins. ``--env-file PATH`` reads another file (which must exist) and
``--no-env-file`` reads none; a run configuration can say ``env_file = false``.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import CommandError

__all__ = ["EnvFileChoice", "apply_env_file", "env_file_to_read"]

EnvFileChoice = Path | bool
"""A path to read, ``True`` for ``.env`` when it exists, ``False`` for none."""


def env_file_to_read(choice: EnvFileChoice, directory: Path) -> Path | None:
    """The file that ``choice`` names, resolved against ``directory``; a named file that
    does not exist raises :class:`CommandError`, a missing default ``.env`` gives ``None``."""
    if choice is False:
        return None
    if choice is True:
        default = directory / ".env"
        return default if default.is_file() else None
    path = choice if choice.is_absolute() else directory / choice
    if not path.is_file():
        raise CommandError(f"the env file {path} does not exist")
    return path


def apply_env_file(path: Path | None) -> dict[str, str]:
    """Set each variable of the file at ``path`` that the environment does not already
    have; returns the variables it set."""
    if path is None:
        return {}
    from dotenv import dotenv_values

    added = {
        name: value
        for name, value in dotenv_values(path).items()
        if value is not None and name not in os.environ
    }
    os.environ.update(added)
    return added
