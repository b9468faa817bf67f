"""The router: maps a path to the handlers registered for it and their path parameters.

Static paths are found with one dict lookup. Dynamic paths walk a segment trie — static
children first, then typed parameters by converter priority, then ``<path:...>`` — so a
lookup costs the depth of the path, not the number of routes. With the Rust core installed
(see :mod:`gobstopper.accelerators`) the same trie is walked in Rust; converters it does not
know natively are called back in Python, so both give identical results.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlencode

from ..accelerators import select
from .converters import CONVERTERS, Converter

__all__ = ["BuildError", "Router", "Rule"]

T = TypeVar("T")

_PLACEHOLDER = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*):)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)


class BuildError(LookupError):
    """``url_for`` could not build a URL (unknown endpoint or missing parameter)."""


@dataclass(frozen=True)
class _Param:
    name: str
    converter: Converter


@dataclass(frozen=True)
class _Segment:
    """One ``/``-separated piece of a rule: literal text, one parameter, or a mix."""

    text: str
    params: tuple[_Param, ...]
    regex: re.Pattern[str] | None

    @property
    def is_static(self) -> bool:
        return not self.params

    @property
    def single(self) -> _Param | None:
        return self.params[0] if self.regex is None and self.params else None


class Rule:
    """A parsed URL rule such as ``/users/<int:user_id>/posts/<slug>``."""

    def __init__(self, pattern: str) -> None:
        if not pattern.startswith("/"):
            raise ValueError(f"route {pattern!r} must start with '/'")
        self.pattern = pattern
        self.segments = tuple(_parse_segment(piece, pattern) for piece in pattern[1:].split("/"))
        names = [param.name for segment in self.segments for param in segment.params]
        duplicates = {name for name in names if names.count(name) > 1}
        if duplicates:
            raise ValueError(f"route {pattern!r} repeats parameter(s) {sorted(duplicates)}")
        self.param_names = tuple(names)
        self.converters = {p.name: p.converter for s in self.segments for p in s.params}
        self.is_static = all(segment.is_static for segment in self.segments)

    def build(self, values: dict[str, Any]) -> str:
        """Build the path for ``values``; unused values become the query string."""
        remaining = dict(values)
        pieces = []
        for segment in self.segments:
            if segment.is_static:
                pieces.append(quote(segment.text, safe="/:@!$&'()*+,;=~"))
                continue
            text = segment.text
            for param in segment.params:
                if param.name not in remaining:
                    raise BuildError(f"url for {self.pattern!r} needs a value for {param.name!r}")
                rendered = param.converter.to_url(remaining.pop(param.name))
                safe = "/" if param.converter.spans_segments else ""
                token = _placeholder_text(segment.text, param.name)
                text = text.replace(token, quote(rendered, safe=safe), 1)
            pieces.append(text)
        path = "/" + "/".join(pieces)
        query = {key: value for key, value in remaining.items() if value is not None}
        return f"{path}?{urlencode(query, doseq=True)}" if query else path

    def __repr__(self) -> str:
        return f"Rule({self.pattern!r})"


def _placeholder_text(segment_text: str, name: str) -> str:
    for match in _PLACEHOLDER.finditer(segment_text):
        if match.group("name") == name:
            return match.group(0)
    raise AssertionError(name)


def _parse_segment(piece: str, pattern: str) -> _Segment:
    matches = list(_PLACEHOLDER.finditer(piece))
    if not matches:
        if "<" in piece or ">" in piece:
            raise ValueError(f"route {pattern!r}: malformed placeholder in {piece!r}")
        return _Segment(piece, (), None)
    params = []
    for match in matches:
        kind = match.group("converter") or "default"
        try:
            converter_class = CONVERTERS[kind]
        except KeyError:
            known = ", ".join(sorted(CONVERTERS))
            raise ValueError(
                f"route {pattern!r}: unknown converter {kind!r} (known: {known})"
            ) from None
        params.append(_Param(match.group("name"), converter_class()))
    if len(matches) == 1 and matches[0].group(0) == piece:
        return _Segment(piece, tuple(params), None)
    if any(param.converter.spans_segments for param in params):
        raise ValueError(f"route {pattern!r}: a <path:...> placeholder must fill whole segments")
    regex, cursor = [], 0
    for match, param in zip(matches, params, strict=True):
        regex.append(re.escape(piece[cursor : match.start()]))
        regex.append(f"(?P<{param.name}>{param.converter.regex})")
        cursor = match.end()
    regex.append(re.escape(piece[cursor:]))
    rest = _PLACEHOLDER.sub("", piece)
    if "<" in rest or ">" in rest:
        raise ValueError(f"route {pattern!r}: malformed placeholder in {piece!r}")
    return _Segment(piece, tuple(params), re.compile("".join(regex)))


_SINGLE, _PATH, _MIXED = 0, 1, 2


@dataclass
class _Edge(Generic[T]):
    """A dynamic child, flattened for the walk: what kind, which name, which converter."""

    segment: _Segment
    child: _Node[T]
    kind: int
    name: str
    convert: Callable[[str], Any]

    @classmethod
    def of(cls, segment: _Segment, child: _Node[T]) -> _Edge[T]:
        single = segment.single
        if single is None:
            return cls(segment, child, _MIXED, "", str)
        kind = _PATH if single.converter.spans_segments else _SINGLE
        return cls(segment, child, kind, single.name, single.converter.to_python)


@dataclass
class _Node(Generic[T]):
    static: dict[str, _Node[T]] = field(default_factory=dict)
    dynamic: list[_Edge[T]] = field(default_factory=list)
    endpoints: dict[str, T] | None = None


def _segment_priority(segment: _Segment) -> int:
    if segment.regex is not None:
        return 5
    return segment.params[0].converter.priority


# ``(kind, text, name, priority, callback)``: one segment as the Rust trie takes it.
_RustSegment = tuple[int, str, str, int, Callable[[str], Any] | None]

# The converters as this module found them, before any application registered its own.
_BUILTIN_CONVERTERS = tuple(CONVERTERS.items())


class _RustKinds:
    """The segment kinds of the Rust trie (``Router.SEGMENT_KINDS``, name → id, defined in
    rust/src/router.rs), and which converters it runs natively: the built-in ones whose
    name it knows (a subclass, or a converter registered under a built-in name later, is
    called back in Python)."""

    __slots__ = ("callback", "mixed", "native", "path", "static")

    def __init__(self, kinds: dict[str, int]) -> None:
        self.static, self.path = kinds["static"], kinds["path"]
        self.callback, self.mixed = kinds["callback"], kinds["mixed"]
        self.native = {
            converter: kinds[name] for name, converter in _BUILTIN_CONVERTERS if name in kinds
        }

    def describe(self, rule: Rule) -> list[_RustSegment]:
        """``rule`` as the Rust trie takes it, one :data:`_RustSegment` per segment."""
        described: list[_RustSegment] = []
        for segment in rule.segments:
            if segment.is_static:
                described.append((self.static, segment.text, "", 0, None))
                continue
            priority = _segment_priority(segment)
            single = segment.single
            if single is None:
                matcher = partial(_match_mixed, segment)
                described.append((self.mixed, segment.text, "", priority, matcher))
            elif single.converter.spans_segments:
                described.append((self.path, segment.text, single.name, priority, None))
            else:
                converter = single.converter
                kind = self.native.get(type(converter), self.callback)
                described.append((kind, segment.text, single.name, priority, converter.to_python))
        return described


class Router(Generic[T]):
    """Path → ``{method: target}`` plus the converted path parameters.

    ``accelerated`` picks the dynamic-path implementation: the Rust trie (``True``), the
    Python one (``False``) or whichever :mod:`gobstopper.accelerators` chose (``None``).

    >>> router = Router()
    >>> router.add(Rule("/users/<int:user_id>"), ["GET"], "show_user")
    >>> router.match("/users/7")
    ({'GET': 'show_user'}, {'user_id': 7})
    """

    match_dynamic: Callable[[str], tuple[dict[str, T], dict[str, Any]] | None]
    """Like :meth:`match`, for a path already known not to be a static rule (bound once,
    so a lookup goes straight to the chosen implementation)."""

    def __init__(self, *, accelerated: bool | None = None) -> None:
        self._static: dict[str, dict[str, T]] = {}
        self._root: _Node[T] = _Node()
        self._rules: list[tuple[Rule, frozenset[str], T]] = []
        core = select(accelerated)
        self._rust = None if core is None else core.Router(self._match_python)
        self._rust_kinds = None if core is None else _RustKinds(core.Router.SEGMENT_KINDS)
        self.match_dynamic = self._match_python if self._rust is None else self._rust.match_dynamic

    @property
    def accelerated(self) -> bool:
        """Whether dynamic paths are matched by the Rust core."""
        return self._rust is not None

    def add(self, rule: Rule, methods: Iterable[str], target: T, *, implicit: bool = False) -> None:
        """Register ``target`` for ``methods`` on ``rule``.

        A duplicate is an error, unless ``implicit`` (as for the HEAD that GET implies),
        where an existing registration simply wins.
        """
        if rule.is_static:
            endpoints = self._static.setdefault(rule.pattern, {})
        else:
            node = self._root
            for segment in rule.segments:
                node = self._child(node, segment)
            if node.endpoints is None:
                node.endpoints = {}
                if self._rust is not None and self._rust_kinds is not None:
                    self._rust.insert(self._rust_kinds.describe(rule), node.endpoints)
            endpoints = node.endpoints
        added = []
        for method in methods:
            if method in endpoints:
                if implicit:
                    continue
                raise ValueError(f"{method} {rule.pattern} is already registered")
            endpoints[method] = target
            added.append(method)
        if added:
            self._rules.append((rule, frozenset(added), target))

    @staticmethod
    def _child(node: _Node[T], segment: _Segment) -> _Node[T]:
        if segment.is_static:
            return node.static.setdefault(segment.text, _Node())
        for edge in node.dynamic:
            if edge.segment == segment:
                return edge.child
        child: _Node[T] = _Node()
        node.dynamic.append(_Edge.of(segment, child))
        node.dynamic.sort(key=lambda edge: _segment_priority(edge.segment))
        return child

    @property
    def static_routes(self) -> dict[str, dict[str, T]]:
        """Exact path → method table for rules without placeholders (read-only use)."""
        return self._static

    def match(self, path: str) -> tuple[dict[str, T], dict[str, Any]] | None:
        """Return the method table and path parameters for ``path``, or ``None``."""
        endpoints = self._static.get(path)
        if endpoints is not None:
            return endpoints, {}
        return self.match_dynamic(path)

    def _match_python(self, path: str) -> tuple[dict[str, T], dict[str, Any]] | None:
        if not path.startswith("/"):
            return None
        params: dict[str, Any] = {}
        endpoints = _walk(self._root, path[1:].split("/"), 0, params)
        if endpoints is None:
            return None
        return endpoints, params

    def __iter__(self) -> Iterator[tuple[Rule, frozenset[str], T]]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)


def _walk(
    node: _Node[T], segments: list[str], index: int, params: dict[str, Any]
) -> dict[str, T] | None:
    """Match ``segments[index:]`` below ``node``; the last segment is checked in place
    rather than by one more call."""
    last = index == len(segments) - 1
    segment = segments[index]
    child = node.static.get(segment)
    if child is not None:
        found = child.endpoints if last else _walk(child, segments, index + 1, params)
        if found is not None:
            return found
    for edge in node.dynamic:
        kind = edge.kind
        if kind == _SINGLE:
            try:
                value = edge.convert(segment)
            except ValueError:
                continue
            found = edge.child.endpoints if last else _walk(edge.child, segments, index + 1, params)
            if found is not None:
                params[edge.name] = value
                return found
        elif kind == _PATH:
            found = _walk_path(edge, segments, index, params)
            if found is not None:
                return found
        else:
            values = _match_mixed(edge.segment, segment)
            if values is not None:
                child = edge.child
                found = child.endpoints if last else _walk(child, segments, index + 1, params)
                if found is not None:
                    params.update(values)
                    return found
    return None


def _walk_path(
    edge: _Edge[T], segments: list[str], index: int, params: dict[str, Any]
) -> dict[str, T] | None:
    # Shortest first, so a rule with a literal suffix (/<path:p>/meta) beats the bare one.
    for end in range(index + 1, len(segments) + 1):
        value = "/".join(segments[index:end])
        if not value:
            continue
        child = edge.child
        found = child.endpoints if end == len(segments) else _walk(child, segments, end, params)
        if found is not None:
            params[edge.name] = value
            return found
    return None


def _match_mixed(segment: _Segment, text: str) -> dict[str, Any] | None:
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
