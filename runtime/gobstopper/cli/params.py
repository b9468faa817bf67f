"""Parameter types shared by the commands."""

from __future__ import annotations

from typing import Any

import click

__all__ = ["Choice"]


class Choice(click.Choice[str]):
    """A choice among strings whose refusal lists the choices on one line:
    ``invalid choice: 'trio' (choose from auto, asyncio, rloop)``."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """The matching choice as written in :attr:`choices`; anything else fails."""
        text = str(value)
        for choice in self.choices:
            if choice == text or (not self.case_sensitive and choice.casefold() == text.casefold()):
                return str(choice)
        listed = ", ".join(str(choice) for choice in self.choices)
        self.fail(f"invalid choice: {text!r} (choose from {listed})", param, ctx)
