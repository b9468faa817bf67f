"""The trie of dynamic rules compiled into one regular expression, for the pure-Python
router.

Walking the trie in Python costs a call and a converter call per segment; the regular
expression does the same walk in C, in the same order: at each position the literal
children first (as a radix tree of their text, so many siblings cost a few character
tests), then the dynamic edges in the order the trie tries them, ``<path:...>`` shortest
first. Each placeholder's pattern accepts at least every text its converter accepts, so
the first rule the expression finds is the first the trie could find; the values are
converted after the match, and should a converter still refuse its text, the trie walk
answers instead (:meth:`CompiledTrie.match` never answers differently from
:func:`~gobstopper.routing.trie.walk`, only faster).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Generic, TypeVar

from .converters import (
    Converter,
    FloatConverter,
    IntConverter,
    StringConverter,
    UUIDConverter,
)
from .rules import Segment
from .trie import MIXED, PATH, Edge, Node, match_mixed

__all__ = ["MOST_GROUPS", "CompiledTrie"]

T = TypeVar("T")

Found = tuple[dict[str, T], dict[str, Any]]

#: The pattern of one segment for each built-in converter: exactly the texts it accepts,
#: except for UUIDs, whose pattern only fixes the length. Any other converter gets
#: ``[^/]*``, which holds every text a segment can have.
_PATTERNS: dict[type[Converter], str] = {
    StringConverter: "[^/]+",
    IntConverter: "[0-9]+",
    FloatConverter: r"[0-9]+\.[0-9]+",
    UUIDConverter: "[^/]{36}",
}
#: What turns a text its pattern accepted into the value, where that is cheaper than the
#: converter's ``to_python`` (``None``: the text is the value).
_VOUCHED: dict[type[Converter], Callable[[str], Any] | None] = {
    StringConverter: None,
    IntConverter: int,
    FloatConverter: float,
}

# (group name, parameter name, converter or None): a mixed segment has no parameter name,
# and its converter gives all of its parameters at once.
_Field = tuple[str, str, Callable[[str], Any] | None]


# A rule's end in the expression: its method table and where its values are, deepest
# first (the order the trie walk stores them in).
_Terminal = tuple[dict[str, T], tuple[_Field, ...]]

# What builds a rule's parameters from a match of the expression.
_Values = Callable[[re.Match[str]], dict[str, Any]]

#: Past this many groups an expression costs more per match than the walk (each match
#: sets up and copies every group), so a larger trie is walked instead.
MOST_GROUPS = 400


class CompiledTrie(Generic[T]):
    """Matches paths against the trie rooted at ``root`` through one regular expression,
    compiled at the first match after the trie last changed (:meth:`invalidate`).

    ``walk_trie`` answers when a converter refuses a text the expression accepted, and
    every match of a trie needing more than ``most_groups`` groups.
    """

    def __init__(
        self,
        root: Node[T],
        walk_trie: Callable[[str], Found[T] | None],
        most_groups: int = MOST_GROUPS,
    ) -> None:
        self._root = root
        self._walk_trie = walk_trie
        self._most_groups = most_groups
        self._search: Callable[[str], re.Match[str] | None] | None = None
        self._terminals: dict[int, tuple[dict[str, T], _Values]] = {}
        self._too_large = False

    def invalidate(self) -> None:
        """The trie changed: compile again before the next match."""
        self._search = None
        self._too_large = False

    def match(self, path: str) -> Found[T] | None:
        """The method table and converted parameters of the rule ``path`` matches."""
        search = self._search
        if search is None:
            search = self._compile()
            if search is None:
                return self._walk_trie(path)
        found = search(path)
        if found is None:
            return None
        endpoints, values = self._terminals[found.lastindex]  # type: ignore[index]
        try:
            return endpoints, values(found)
        except ValueError:
            return self._walk_trie(path)

    def _compile(self) -> Callable[[str], re.Match[str] | None] | None:
        if self._too_large:
            return None
        writer: _Writer[T] = _Writer()
        expression = "/" + writer.node(self._root, ())
        if writer.groups > self._most_groups:
            self._too_large = True
            return None
        pattern = re.compile(expression, re.DOTALL)
        groups = pattern.groupindex
        self._terminals = {
            groups[name]: (endpoints, _values_of(fields, groups))
            for name, (endpoints, fields) in writer.terminals.items()
        }
        self._search = pattern.match
        return pattern.match


class _Writer(Generic[T]):
    """Writes the expression of a trie, naming a group per placeholder (``p<n>``) and an
    empty group at the end of each rule (``e<n>``, the match's last group)."""

    def __init__(self) -> None:
        self.groups = 0
        self.terminals: dict[str, _Terminal[T]] = {}

    def node(self, node: Node[T], fields: tuple[_Field, ...]) -> str:
        literal = [(text, self.after(child, fields)) for text, child in node.static.items()]
        branches = _radix(literal)
        branches += [self.edge(edge, fields) for edge in node.dynamic]
        return "(?:" + "|".join(branches) + ")" if branches else "(?!)"

    def after(self, node: Node[T], fields: tuple[_Field, ...]) -> str:
        """What may follow the segment that led to ``node``: the end of a rule, or more."""
        branches = []
        if node.endpoints is not None:
            name = self._group("e")
            self.terminals[name] = (node.endpoints, fields)
            branches.append(f"(?P<{name}>)\\Z")
        if node.static or node.dynamic:
            branches.append("/" + self.node(node, fields))
        return "(?:" + "|".join(branches) + ")"

    def edge(self, edge: Edge[T], fields: tuple[_Field, ...]) -> str:
        group = self._group("p")
        if edge.kind == MIXED:
            text = f"(?={edge.segment.shape}(?:/|\\Z))(?P<{group}>[^/]*)"
            field: _Field = (group, "", partial(_mixed_values, edge.segment))
        elif edge.kind == PATH:
            text = f"(?P<{group}>.+?)"
            field = (group, edge.name, None)
        else:
            kind = type(edge.segment.params[0].converter)
            text = f"(?P<{group}>{_PATTERNS.get(kind, '[^/]*')})"
            field = (group, edge.name, _VOUCHED.get(kind, edge.convert))
        return text + self.after(edge.child, (field, *fields))

    def _group(self, prefix: str) -> str:
        self.groups += 1
        return f"{prefix}{self.groups}"


def _values_of(fields: tuple[_Field, ...], groups: Mapping[str, int]) -> _Values:
    """The function building one rule's parameters from a match: a single dict display
    written out for the rule (as :mod:`dataclasses` writes ``__init__``), which costs about
    half as much per match as looping over its fields would. A converter refusing its text
    raises :class:`ValueError` from it."""
    entries = []
    namespace: dict[str, Any] = {}
    for position, (group, name, convert) in enumerate(fields):
        value = f"found[{groups[group]}]"
        if convert is not None:
            namespace[f"convert{position}"] = convert
            value = f"convert{position}({value})"
        entries.append(f"{name!r}: {value}" if name else f"**{value}")
    values: _Values = eval("lambda found: {" + ", ".join(entries) + "}", namespace)
    return values


def _mixed_values(segment: Segment, text: str) -> dict[str, Any]:
    values = match_mixed(segment, text)
    if values is None:
        raise ValueError(f"{text!r} does not fit {segment.text!r}")
    return values


def _radix(branches: list[tuple[str, str]]) -> list[str]:
    """Alternatives for literal ``(text, what follows)`` pairs, sharing leading text, so
    that telling many siblings apart costs a character test per shared letter rather than
    a test per sibling. The texts are whole segments, so at most one can match."""
    by_first: dict[str, list[tuple[str, str]]] = {}
    for text, tail in branches:
        by_first.setdefault(text[:1], []).append((text, tail))
    alternatives = []
    for group in by_first.values():
        if len(group) == 1:
            text, tail = group[0]
            alternatives.append(re.escape(text) + tail)
            continue
        shared = _shared_prefix([text for text, _ in group])
        rest = _radix([(text[len(shared) :], tail) for text, tail in group])
        alternatives.append(re.escape(shared) + "(?:" + "|".join(rest) + ")")
    return alternatives


def _shared_prefix(texts: list[str]) -> str:
    """The longest text all of ``texts`` start with."""
    first, last = min(texts), max(texts)
    for index, character in enumerate(first):
        if last[index] != character:
            return first[:index]
    return first
