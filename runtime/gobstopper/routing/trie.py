"""The segment trie of dynamic rules, and the walk that matches a path against it.

Static children are tried first, then the dynamic edges in converter priority order, then
``<path:...>`` (shortest first); a converter that refuses its text sends the walk on to
the next edge. This order is the router's precedence, which the Rust trie and
:mod:`~gobstopper.routing.compiled` reproduce.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .rules import Segment

__all__ = [
    "MIXED",
    "PATH",
    "SINGLE",
    "Edge",
    "Node",
    "child_of",
    "match_mixed",
    "segment_priority",
    "walk",
]

T = TypeVar("T")

SINGLE, PATH, MIXED = 0, 1, 2


@dataclass
class Edge(Generic[T]):
    """A dynamic child, flattened for the walk: what kind, which name, which converter."""

    segment: Segment
    child: Node[T]
    kind: int
    name: str
    convert: Callable[[str], Any]

    @classmethod
    def of(cls, segment: Segment, child: Node[T]) -> Edge[T]:
        single = segment.single
        if single is None:
            return cls(segment, child, MIXED, "", str)
        kind = PATH if single.converter.spans_segments else SINGLE
        return cls(segment, child, kind, single.name, single.converter.to_python)


@dataclass
class Node(Generic[T]):
    """A position in the trie: its children by literal segment, its dynamic edges in the
    order they are tried, and the method table of the rule ending here (if one does)."""

    static: dict[str, Node[T]] = field(default_factory=dict)
    dynamic: list[Edge[T]] = field(default_factory=list)
    endpoints: dict[str, T] | None = None


def segment_priority(segment: Segment) -> int:
    """Where a dynamic segment is tried among its siblings: lower first."""
    if segment.regex is not None:
        return 5
    return segment.params[0].converter.priority


def child_of(node: Node[T], segment: Segment) -> Node[T]:
    """The child of ``node`` for ``segment``, added (in priority order) if new."""
    if segment.is_static:
        return node.static.setdefault(segment.text, Node())
    for edge in node.dynamic:
        if edge.segment == segment:
            return edge.child
    child: Node[T] = Node()
    node.dynamic.append(Edge.of(segment, child))
    node.dynamic.sort(key=lambda edge: segment_priority(edge.segment))
    return child


def walk(
    node: Node[T], segments: list[str], index: int, params: dict[str, Any]
) -> dict[str, T] | None:
    """Match ``segments[index:]`` below ``node``; the last segment is checked in place
    rather than by one more call."""
    last = index == len(segments) - 1
    segment = segments[index]
    child = node.static.get(segment)
    if child is not None:
        found = child.endpoints if last else walk(child, segments, index + 1, params)
        if found is not None:
            return found
    for edge in node.dynamic:
        kind = edge.kind
        if kind == SINGLE:
            try:
                value = edge.convert(segment)
            except ValueError:
                continue
            found = edge.child.endpoints if last else walk(edge.child, segments, index + 1, params)
            if found is not None:
                params[edge.name] = value
                return found
        elif kind == PATH:
            found = _walk_path(edge, segments, index, params)
            if found is not None:
                return found
        else:
            values = match_mixed(edge.segment, segment)
            if values is not None:
                child = edge.child
                found = child.endpoints if last else walk(child, segments, index + 1, params)
                if found is not None:
                    params.update(values)
                    return found
    return None


def _walk_path(
    edge: Edge[T], segments: list[str], index: int, params: dict[str, Any]
) -> dict[str, T] | None:
    # Shortest first, so a rule with a literal suffix (/<path:p>/meta) beats the bare one.
    for end in range(index + 1, len(segments) + 1):
        value = "/".join(segments[index:end])
        if not value:
            continue
        child = edge.child
        found = child.endpoints if end == len(segments) else walk(child, segments, end, params)
        if found is not None:
            params[edge.name] = value
            return found
    return None


def match_mixed(segment: Segment, text: str) -> dict[str, Any] | None:
    """The converted parameters of a segment mixing text and placeholders
    (``report-<int:year>.<fmt>``), or ``None`` when ``text`` does not fit it."""
    assert segment.regex is not None
    match = segment.regex.fullmatch(text)
    if match is None:
        return None
    values = {}
    for param in segment.params:
        try:
            values[param.name] = param.converter.to_python(match.group(param.name))
        except ValueError:
            return None
    return values
