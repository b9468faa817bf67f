"""JSON Schemas for Python types, with named types shared as components.

Building a document asks for many schemas — request bodies, responses, parameters —
before any is known, because :func:`msgspec.json.schema_components` must see every type
at once to give each Struct or dataclass one component (and distinct names to distinct
classes that share a name). :class:`Schemas` hands out a placeholder for each request
and fills them all in :meth:`Schemas.resolve`.

>>> schemas = Schemas()
>>> body = schemas.of(Item)
>>> schemas.resolve()
>>> body
{'$ref': '#/components/schemas/Item'}
"""

from __future__ import annotations

import copy
import typing
from collections.abc import Callable
from typing import Any

import msgspec

__all__ = ["Schemas", "type_hints"]

_REF_TEMPLATE = "#/components/schemas/{name}"


def type_hints(func: Callable[..., Any]) -> dict[str, Any]:
    """``func``'s resolved annotations, ``Annotated`` metadata kept; none when one of them
    does not resolve (the handler is then served, and documented, as undeclared)."""
    try:
        return typing.get_type_hints(func, include_extras=True)
    except Exception:
        return {}


def _describable(annotation: Any) -> bool:
    """Whether msgspec can describe ``annotation`` (custom classes it cannot encode are
    documented as any value rather than failing the whole document)."""
    try:
        msgspec.json.schema(annotation)
    except (TypeError, ValueError):
        return False
    return True


class Schemas:
    """Schema placeholders handed out by type, filled in once with shared components."""

    def __init__(self) -> None:
        self._requests: list[tuple[Any, dict[str, Any]]] = []
        self.components: dict[str, Any] = {}

    def of(self, annotation: Any) -> dict[str, Any]:
        """The schema of ``annotation``: empty until :meth:`resolve`, then filled in place
        (keys added to it before that are kept)."""
        placeholder: dict[str, Any] = {}
        self._requests.append((annotation, placeholder))
        return placeholder

    def resolve(self) -> None:
        """Fill every placeholder and :attr:`components` from one pass over all types."""
        unique: list[Any] = []
        for annotation, _ in self._requests:
            if annotation not in unique:
                unique.append(annotation)
        try:
            described, self.components = msgspec.json.schema_components(
                unique, ref_template=_REF_TEMPLATE
            )
        except (TypeError, ValueError):
            unique = [annotation for annotation in unique if _describable(annotation)]
            described, self.components = msgspec.json.schema_components(
                unique, ref_template=_REF_TEMPLATE
            )
        by_type = list(zip(unique, described, strict=True))
        for annotation, placeholder in self._requests:
            schema = next((found for known, found in by_type if known == annotation), {})
            placeholder.update(copy.deepcopy(schema))
