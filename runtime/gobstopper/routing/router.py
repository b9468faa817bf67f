"""The router: maps a path to the handlers registered for it and their path parameters.

Static paths are found with one dict lookup. Dynamic paths are matched against a segment
trie (:mod:`~gobstopper.routing.trie`): static children first, then typed parameters by
converter priority, then ``<path:...>``, so a walk costs the depth of the path, not the
number of routes. The pure-Python router matches through the trie compiled into one
regular expression (:mod:`~gobstopper.routing.compiled`), which costs a little more per
placeholder in the table, so a table of several hundred is walked instead. With the Rust
core installed (see :mod:`gobstopper.accelerators`) the trie is walked in Rust, and
converters it does not know natively are called back in Python. All three give
identical results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any, Generic, TypeVar

from ..accelerators import select
from .compiled import CompiledTrie
from .converters import CONVERTERS
from .rules import BuildError, Rule
from .trie import Node, child_of, match_mixed, segment_priority, walk

__all__ = ["BuildError", "Router", "Rule"]

T = TypeVar("T")


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
            priority = segment_priority(segment)
            single = segment.single
            if single is None:
                matcher = partial(match_mixed, segment)
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
        self._root: Node[T] = Node()
        self._rules: list[tuple[Rule, frozenset[str], T]] = []
        core = select(accelerated)
        self._rust = None if core is None else core.Router(self._match_python)
        self._rust_kinds = None if core is None else _RustKinds(core.Router.SEGMENT_KINDS)
        self._compiled = CompiledTrie(self._root, self._match_python)
        self.match_dynamic = (
            self._compiled.match if self._rust is None else self._rust.match_dynamic
        )

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
                node = child_of(node, segment)
            self._compiled.invalidate()
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
        endpoints = walk(self._root, path[1:].split("/"), 0, params)
        if endpoints is None:
            return None
        return endpoints, params

    def __iter__(self) -> Iterator[tuple[Rule, frozenset[str], T]]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)
