"""Path converters: how ``<int:id>``-style placeholders match and convert a URL segment.

Each converter turns the matched text into a Python value (raising :class:`ValueError`
when the text does not fit) and back into text for :func:`url_for`.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

__all__ = [
    "CONVERTERS",
    "Converter",
    "FloatConverter",
    "IntConverter",
    "PathConverter",
    "StringConverter",
    "UUIDConverter",
]


class Converter:
    """Base converter: matches one non-empty segment, keeps it as ``str``.

    ``priority`` orders dynamic alternatives at the same position: lower is tried first,
    so ``/items/<int:id>`` wins over ``/items/<slug>`` for ``/items/7``.
    """

    regex: ClassVar[str] = r"[^/]+"
    priority: ClassVar[int] = 50
    python_type: ClassVar[type] = str
    spans_segments: ClassVar[bool] = False

    def to_python(self, value: str) -> Any:
        """Convert matched text; raise :class:`ValueError` when it does not fit."""
        if not value:
            raise ValueError("empty segment")
        return value

    def to_url(self, value: Any) -> str:
        """Render ``value`` as URL text."""
        return str(value)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


class StringConverter(Converter):
    """``<name>`` or ``<string:name>``: any non-empty segment without ``/``."""


class IntConverter(Converter):
    """``<int:name>``: ASCII digits, converted to a non-negative ``int``."""

    regex = r"\d+"
    priority = 10
    python_type = int

    def to_python(self, value: str) -> int:
        if not (value.isascii() and value.isdigit()):
            raise ValueError(f"{value!r} is not an integer")
        return int(value)


class FloatConverter(Converter):
    """``<float:name>``: digits with a decimal point (``1.5``), converted to ``float``."""

    regex = r"\d+\.\d+"
    priority = 20
    python_type = float

    def to_python(self, value: str) -> float:
        whole, dot, fraction = value.partition(".")
        if not (
            dot
            and whole.isascii()
            and whole.isdigit()
            and fraction.isascii()
            and fraction.isdigit()
        ):
            raise ValueError(f"{value!r} is not a decimal number")
        return float(value)


class UUIDConverter(Converter):
    """``<uuid:name>``: a canonical hyphenated UUID, converted to :class:`uuid.UUID`."""

    regex = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    priority = 30
    python_type = uuid.UUID

    def to_python(self, value: str) -> uuid.UUID:
        if len(value) != 36 or value.count("-") != 4:
            raise ValueError(f"{value!r} is not a UUID")
        return uuid.UUID(value)


class PathConverter(Converter):
    """``<path:name>``: one or more segments, slashes included (``docs/a/b.txt``)."""

    regex = r".+"
    priority = 90
    spans_segments = True


CONVERTERS: dict[str, type[Converter]] = {
    "default": StringConverter,
    "string": StringConverter,
    "int": IntConverter,
    "float": FloatConverter,
    "uuid": UUIDConverter,
    "path": PathConverter,
}
