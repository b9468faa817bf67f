"""Where the project template is: inside the installed wheel, or in a source checkout."""

from __future__ import annotations

from pathlib import Path

__all__ = ["template_root"]

_PACKAGED = Path(__file__).resolve().parent / "project-templates"
_CHECKOUT = Path(__file__).resolve().parents[2] / "project-templates"


def template_root() -> Path:
    """The folder holding ``copier.yml``."""
    for candidate in (_PACKAGED, _CHECKOUT):
        if (candidate / "copier.yml").is_file():
            return candidate
    raise FileNotFoundError("the gobstopper project template is missing from this install")
