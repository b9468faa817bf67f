"""``-f name:type`` field specs of ``gobstopper generate model``: parsed, checked, and turned
into annotations, imports and sample values for the generated tests."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

__all__ = ["Field", "FieldError", "parse_field", "to_pascal", "to_snake"]

#: type name → (annotation, import needed as (module, name), a JSON sample value)
_SCALARS: dict[str, tuple[str, tuple[str, str] | None, str]] = {
    "str": ("str", None, '"text"'),
    "int": ("int", None, "1"),
    "float": ("float", None, "1.5"),
    "bool": ("bool", None, "True"),
    "datetime": ("datetime", ("datetime", "datetime"), '"2026-01-02T03:04:05Z"'),
    "date": ("date", ("datetime", "date"), '"2026-01-02"'),
    "uuid": ("UUID", ("uuid", "UUID"), '"12345678-1234-5678-1234-567812345678"'),
    "decimal": ("Decimal", ("decimal", "Decimal"), '"10.25"'),
}
_LIST = re.compile(r"^list\[(\w+)\]$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class FieldError(ValueError):
    """A field spec that cannot be turned into code; the message says why."""


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a generated model."""

    name: str
    annotation: str
    imports: tuple[tuple[str, str], ...]
    sample: str
    optional: bool


def parse_field(spec: str) -> Field:
    """``name:type`` with type one of str, int, float, bool, datetime, date, uuid, decimal or
    ``list[<one of those>]``, and a trailing ``?`` for an optional field."""
    name, separator, kind = spec.partition(":")
    name, kind = name.strip(), kind.strip()
    if not separator or not kind:
        raise FieldError(f"field {spec!r} needs a type: NAME:TYPE, e.g. email:str")
    if not _NAME.match(name) or keyword.iskeyword(name):
        raise FieldError(f"field name {name!r} must be a lowercase identifier, not a keyword")
    optional = kind.endswith("?")
    kind = kind.removesuffix("?")
    listed = _LIST.match(kind)
    scalar = listed.group(1) if listed else kind
    if scalar not in _SCALARS:
        known = ", ".join(_SCALARS)
        raise FieldError(
            f"field {name!r} has unknown type {kind!r}; use one of {known}, list[TYPE], "
            "and a trailing ? for optional"
        )
    annotation, needed, sample = _SCALARS[scalar]
    if listed:
        annotation, sample = f"list[{annotation}]", f"[{sample}]"
    if optional:
        annotation = f"{annotation} | None"
    return Field(name, annotation, (needed,) if needed else (), sample, optional)


def to_snake(name: str) -> str:
    """``BlogPost`` → ``blog_post``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def to_pascal(name: str) -> str:
    """``blog_post`` → ``BlogPost``."""
    return "".join(part.capitalize() for part in name.split("_") if part)
