"""Rendering Jinja2 templates with the Rust core (minijinja), where the output is
guaranteed to be Jinja2's.

Before a template is rendered in Rust, its Jinja2 syntax tree — and that of every
template it extends or includes — is checked by :class:`_Checker` against the subset
whose output the Rust engine reproduces exactly (the user guide lists it: output, ``if``,
``for``, ``set``, ``with``, macros, inheritance, includes, lookups, calls, comparisons,
``+``/``-``, a few built-in filters and tests, and the application's own filters, which
run in Python). Anything else — and any template whose Rust render fails — is rendered
by Jinja2, with the reason logged once per template. Values keep their Python behaviour:
attribute lookups, calls and ``str()`` run in Python.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2 import nodes

if TYPE_CHECKING:
    from ._core import TemplateEngine

__all__ = ["RustTemplates", "unsupported_reason"]

logger = logging.getLogger("gobstopper.templates")

_FILTERS = {
    "escape": 0,
    "e": 0,
    "safe": 0,
    "length": 0,
    "count": 0,
    "upper": 0,
    "lower": 0,
    "trim": 1,
    "default": 2,
    "d": 2,
}
_TESTS = {"defined", "undefined", "none"}
_COMPARISONS = {"eq", "ne", "lt", "gt", "lteq", "gteq", "in", "notin"}
_LOOP_ATTRIBUTES = {"index", "index0", "revindex", "revindex0", "first", "last", "length"}
# Names that mean something special to Jinja2 (or exist only as its default globals).
_RESERVED_NAMES = {"self", "caller", "varargs", "kwargs", "range", "dict", "lipsum"}
_RESERVED_NAMES |= {"cycler", "joiner", "namespace"}
# `d.items` is the method for Jinja2 but would be the key "items" for a Rust map lookup.
_DICT_ATTRIBUTES = frozenset(name for name in dir(dict) if not name.startswith("_"))
# Nodes that are supported when their children are.
_PLAIN_NODES: tuple[type[nodes.Node], ...] = (nodes.And, nodes.Or, nodes.Not, nodes.Neg)
_PLAIN_NODES += (nodes.Add, nodes.Sub, nodes.CondExpr, nodes.Output, nodes.If, nodes.Template)
_PLAIN_NODES += (nodes.Keyword, nodes.Operand, nodes.List)
# Environment settings whose default values the Rust engine reproduces.
_DEFAULT_SETTINGS: dict[str, object] = {
    "block_start_string": "{%",
    "block_end_string": "%}",
    "variable_start_string": "{{",
    "variable_end_string": "}}",
    "comment_start_string": "{#",
    "comment_end_string": "#}",
    "line_statement_prefix": None,
    "line_comment_prefix": None,
    "trim_blocks": False,
    "lstrip_blocks": False,
    "keep_trailing_newline": False,
    "newline_sequence": "\n",
    "undefined": jinja2.Undefined,
    "finalize": None,
    "extensions": {},
}


class _Unsupported(Exception):
    """The template uses something the Rust engine does not render identically."""


@dataclass
class _Checked:
    """What a template (with its dependencies) needs, once found renderable in Rust."""

    names: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)
    filters: dict[str, Callable[..., Any]] = field(default_factory=dict)
    uptodate: list[Callable[[], bool]] = field(default_factory=list)


class _Checker:
    def __init__(self, environment: jinja2.Environment) -> None:
        self.environment = environment
        self.sources: dict[str, str] = {}

    def template(self, name: str, found: _Checked) -> None:
        if name in found.templates:
            return
        loader = self.environment.loader
        assert loader is not None
        source, filename, uptodate = loader.get_source(self.environment, name)
        found.templates.add(name)
        if uptodate is not None:
            found.uptodate.append(uptodate)
        tree = self.environment.parse(source, name, filename)
        self.sources[name] = _normalised_newlines(source)
        self.node(tree, found, in_loop=False)

    def node(self, node: nodes.Node, found: _Checked, *, in_loop: bool) -> None:
        check = getattr(self, f"visit_{type(node).__name__}", None)
        if check is not None:
            check(node, found, in_loop)
        elif isinstance(node, (nodes.TemplateData, nodes.Const)):
            self.constant(node)
        elif isinstance(node, _PLAIN_NODES):
            self.children(node, found, in_loop=in_loop)
        else:
            raise _Unsupported(f"{type(node).__name__} (line {node.lineno})")

    def children(self, node: nodes.Node, found: _Checked, *, in_loop: bool) -> None:
        for child in node.iter_child_nodes():
            self.node(child, found, in_loop=in_loop)

    @staticmethod
    def constant(node: nodes.Node) -> None:
        if isinstance(node, nodes.Const) and not isinstance(
            node.value, (str, int, float, bool, type(None))
        ):
            raise _Unsupported(f"a {type(node.value).__name__} constant (line {node.lineno})")

    def visit_Name(self, node: nodes.Name, found: _Checked, in_loop: bool) -> None:
        if node.name in _RESERVED_NAMES or node.name == "loop":
            raise _Unsupported(f"the name {node.name!r} (line {node.lineno})")
        found.names.add(node.name)

    def visit_Getattr(self, node: nodes.Getattr, found: _Checked, in_loop: bool) -> None:
        self.attribute(node, found, in_loop, called=False)

    def attribute(self, node: nodes.Getattr, found: _Checked, in_loop: bool, called: bool) -> None:
        where = f"line {node.lineno}"
        if node.attr.startswith("_"):
            raise _Unsupported(f"the private attribute {node.attr!r} ({where})")
        if isinstance(node.node, nodes.Name) and node.node.name == "loop":
            if called or not in_loop or node.attr not in _LOOP_ATTRIBUTES:
                raise _Unsupported(f"loop.{node.attr} ({where})")
            return
        if not called and node.attr in _DICT_ATTRIBUTES:
            raise _Unsupported(f"the attribute {node.attr!r}, a method of dict ({where})")
        self.node(node.node, found, in_loop=in_loop)

    def visit_Getitem(self, node: nodes.Getitem, found: _Checked, in_loop: bool) -> None:
        if isinstance(node.arg, nodes.Slice):
            raise _Unsupported(f"slicing (line {node.lineno})")
        self.children(node, found, in_loop=in_loop)

    def visit_Call(self, node: nodes.Call, found: _Checked, in_loop: bool) -> None:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise _Unsupported(f"*args/**kwargs in a call (line {node.lineno})")
        if isinstance(node.node, nodes.Getattr):
            self.attribute(node.node, found, in_loop, called=True)
        elif isinstance(node.node, nodes.Name) and node.node.name == "super":
            pass
        elif isinstance(node.node, nodes.Name):
            self.visit_Name(node.node, found, in_loop)
        else:
            raise _Unsupported(f"calling an expression (line {node.lineno})")
        for child in [*node.args, *node.kwargs]:
            self.node(child, found, in_loop=in_loop)

    def visit_Filter(self, node: nodes.Filter, found: _Checked, in_loop: bool) -> None:
        function = self.environment.filters.get(node.name)
        if function is None or function is jinja2.filters.FILTERS.get(node.name):
            self.filter_or_test(node, found, in_loop, "filter", _FILTERS, self.environment.filters)
            return
        # An application's own filter runs in Python, called as Jinja2 calls it.
        if getattr(function, "jinja_pass_arg", None) is not None:
            raise _Unsupported(f"the filter {node.name!r}, which asks for the context")
        if node.kwargs or node.dyn_args or node.dyn_kwargs or node.node is None:
            raise _Unsupported(f"this use of the filter {node.name!r} (line {node.lineno})")
        found.filters[node.name] = function
        for child in [node.node, *node.args]:
            self.node(child, found, in_loop=in_loop)

    def visit_Test(self, node: nodes.Test, found: _Checked, in_loop: bool) -> None:
        tests = dict.fromkeys(_TESTS, 0)
        self.filter_or_test(node, found, in_loop, "test", tests, self.environment.tests)

    def filter_or_test(
        self,
        node: nodes.Filter | nodes.Test,
        found: _Checked,
        in_loop: bool,
        kind: str,
        supported: dict[str, int],
        registered: dict[str, Any],
    ) -> None:
        builtins = jinja2.filters.FILTERS if kind == "filter" else jinja2.tests.TESTS
        name = node.name
        if name not in supported or registered.get(name) is not builtins.get(name):
            raise _Unsupported(f"the {kind} {name!r} (line {node.lineno})")
        if node.kwargs or node.dyn_args or node.dyn_kwargs or len(node.args) > supported[name]:
            raise _Unsupported(f"these arguments to the {kind} {name!r} (line {node.lineno})")
        if node.node is None:
            raise _Unsupported(f"a {kind} block (line {node.lineno})")
        for child in [node.node, *node.args]:
            self.node(child, found, in_loop=in_loop)

    def visit_Compare(self, node: nodes.Compare, found: _Checked, in_loop: bool) -> None:
        for operand in node.ops:
            if operand.op not in _COMPARISONS:
                raise _Unsupported(f"the comparison {operand.op!r} (line {node.lineno})")
        self.children(node, found, in_loop=in_loop)

    def targets(self, target: nodes.Node) -> None:
        names = target.items if isinstance(target, nodes.Tuple) else [target]
        for name in names:
            if not isinstance(name, nodes.Name) or name.name in _RESERVED_NAMES:
                raise _Unsupported(f"this assignment target (line {target.lineno})")

    def visit_For(self, node: nodes.For, found: _Checked, in_loop: bool) -> None:
        if node.recursive or node.test is not None:
            raise _Unsupported(f"a recursive or filtered for loop (line {node.lineno})")
        self.targets(node.target)
        self.node(node.iter, found, in_loop=in_loop)
        for child in [*node.body, *node.else_]:
            self.node(child, found, in_loop=True)

    def visit_Assign(self, node: nodes.Assign, found: _Checked, in_loop: bool) -> None:
        self.targets(node.target)
        self.node(node.node, found, in_loop=in_loop)

    def visit_With(self, node: nodes.With, found: _Checked, in_loop: bool) -> None:
        for target in node.targets:
            self.targets(target)
        for child in [*node.values, *node.body]:
            self.node(child, found, in_loop=in_loop)

    def visit_Macro(self, node: nodes.Macro, found: _Checked, in_loop: bool) -> None:
        for argument in node.args:
            self.targets(argument)
        for child in [*node.defaults, *node.body]:
            self.node(child, found, in_loop=False)

    def visit_Block(self, node: nodes.Block, found: _Checked, in_loop: bool) -> None:
        # Jinja2 blocks do not see the variables of an enclosing loop; minijinja's do.
        if node.scoped or node.required or in_loop:
            raise _Unsupported(f"the block {node.name!r} (line {node.lineno})")
        for child in node.body:
            self.node(child, found, in_loop=False)

    def dependency(self, template: nodes.Expr, found: _Checked) -> None:
        if not (isinstance(template, nodes.Const) and isinstance(template.value, str)):
            raise _Unsupported(f"a template name that is not a string (line {template.lineno})")
        self.template(template.value, found)

    def visit_Extends(self, node: nodes.Extends, found: _Checked, in_loop: bool) -> None:
        self.dependency(node.template, found)

    def visit_Include(self, node: nodes.Include, found: _Checked, in_loop: bool) -> None:
        if not node.with_context or node.ignore_missing:
            raise _Unsupported(f"this include (line {node.lineno})")
        self.dependency(node.template, found)


def _normalised_newlines(source: str) -> str:
    """Jinja2 turns every line ending in template data into ``\\n``; so does this."""
    return source.replace("\r\n", "\n").replace("\r", "\n")


def unsupported_reason(environment: jinja2.Environment, name: str) -> str | None:
    """Why the Rust engine cannot render template ``name`` as Jinja2 would, or ``None``.

    Raises :class:`jinja2.TemplateNotFound` and :class:`jinja2.TemplateSyntaxError` as
    Jinja2 itself would.
    """
    try:
        _Checker(environment).template(name, _Checked())
    except _Unsupported as reason:
        return str(reason)
    return None


@dataclass
class _Verdict:
    checked: _Checked | None
    reason: str | None = None
    #: The environment's globals the template names, fixed when it is checked (Jinja2
    #: asks that globals not change once templates are loaded).
    globals: list[tuple[str, Any]] = field(default_factory=list)

    def stale(self) -> bool:
        return self.checked is not None and not all(check() for check in self.checked.uptodate)


class RustTemplates:
    """Renders the templates of one Jinja2 environment with the Rust engine, when the
    check says the output is identical; :meth:`render` returns ``None`` otherwise."""

    def __init__(
        self, environment: jinja2.Environment, core: ModuleType, escaped: tuple[str, ...]
    ) -> None:
        self.environment = environment
        self._autoescape = environment.autoescape
        self._sources: dict[str, str] = {}
        self._engine: TemplateEngine = core.TemplateEngine(self._sources.get, list(escaped))
        self._verdicts: dict[str, _Verdict] = {}
        self._filters: dict[str, Callable[..., Any]] = {}
        self._logged: set[tuple[str, str]] = set()

    def _verdict(self, name: str) -> _Verdict:
        verdict = self._verdicts.get(name)
        if verdict is not None and not (self.environment.auto_reload and verdict.stale()):
            return verdict
        if verdict is not None:  # a source changed: recompile everything on demand
            self._verdicts.clear()
            self._sources.clear()
            self._engine.clear()
        checker = _Checker(self.environment)
        checked = _Checked()
        try:
            self._check_settings()
            checker.template(name, checked)
        except _Unsupported as reason:
            verdict = self._verdicts[name] = _Verdict(None, str(reason))
            return verdict
        except jinja2.TemplateError as error:
            # Not cached: Jinja2 raises it, and the next try may find the template fixed.
            return _Verdict(None, f"{type(error).__name__}: {error}")
        self._sources.update(checker.sources)
        for filter_name, function in checked.filters.items():
            if self._filters.get(filter_name) is not function:
                self._engine.add_filter(filter_name, function)
                self._filters[filter_name] = function
        names = checked.names
        named = [(key, value) for key, value in self.environment.globals.items() if key in names]
        verdict = self._verdicts[name] = _Verdict(checked, globals=named)
        return verdict

    def _check_settings(self) -> None:
        environment = self.environment
        for setting, default in _DEFAULT_SETTINGS.items():
            value = getattr(environment, setting)
            if value != default:
                raise _Unsupported(f"the environment setting {setting}={value!r}")
        if environment.autoescape is not self._autoescape:
            raise _Unsupported("a changed autoescape setting")

    def render(self, name: str, context: dict[str, Any]) -> str | None:
        """The output of template ``name``, or ``None`` when Jinja2 must render it."""
        verdict = self._verdict(name)
        if verdict.checked is None:
            self._log_once(name, "unsupported", f"uses {verdict.reason}")
            return None
        variables = {key: context[key] for key in verdict.checked.names if key in context}
        for key, value in verdict.globals:
            variables.setdefault(key, value)
        try:
            return self._engine.render(name, variables)
        except Exception as error:
            why = f"failed in the Rust engine ({type(error).__name__}: {error})"
            self._log_once(name, "failed", why)
            return None

    def _log_once(self, name: str, kind: str, why: str) -> None:
        # Once per template and kind: error messages carry data, which would never repeat.
        if (name, kind) not in self._logged:
            self._logged.add((name, kind))
            logger.info("template %r is rendered by Jinja2: it %s", name, why)
