"""Rendering a template with Jinja2's synchronous code when it needs nothing async.

Jinja2's async mode (``enable_async=True``, which lets templates await what they call)
compiles every attribute lookup, item lookup and call into an ``await auto_await(...)``
and every loop into an async iteration: a page like the TechEmpower fortunes renders at
about half the speed of the same template in sync mode. Most templates never meet an
awaitable, so :class:`SyncTwin` renders them with a synchronous twin of the application's
environment (an overlay: the same loader, globals, filters and tests) and keeps async mode
for the ones that do.

The decision is made once per template. At compile time a template that names a
coroutine-function filter or test is sent to async mode. At render time every value the
template reads (a variable, an attribute, an item, what a call returns) is checked: the
first awaitable or async iterable stops the sync render, and the template is rendered, and
from then on always rendered, in async mode. Calls made before that point are made again
by the async render, as they are when the Rust engine hands a template back to Jinja2.
The runtime's own template globals give the same page either way: ``get_notifications()``
returns what the request already took (see :mod:`gobstopper.notifications`),
``csp_nonce()`` the request's one nonce, ``csrf_token()`` a valid token each call. A global
or filter of the application's own that has side effects has them twice on that render.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, MutableMapping
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import Context

__all__ = ["SyncTwin"]

# Values of these exact types are never awaitable: checked first, by one set lookup.
_PLAIN = frozenset({str, int, float, bool, type(None), dict, list, tuple, jinja2.Undefined})
_PLAIN |= {jinja2.StrictUndefined, jinja2.ChainableUndefined, jinja2.DebugUndefined}
_PLAIN |= {set, frozenset, bytes, jinja2.runtime.Macro, jinja2.runtime.LoopContext}


#: Every name an exact ``dict`` answers as an attribute (its methods, and what every object
#: has). For any other name its attribute lookup fails, and Jinja2 then reads the item.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _NeedsAsync(Exception):
    """The template met something only Jinja2's async mode can render."""


def _checked(value: Any) -> Any:
    if value.__class__ in _PLAIN:
        return value
    if hasattr(value, "__await__") or hasattr(value, "__aiter__"):
        close = getattr(value, "close", None)
        if inspect.iscoroutine(value) and close is not None:
            close()  # the async render calls again; this one must not warn unawaited
        raise _NeedsAsync(type(value).__name__)
    return value


class _GuardedContext(Context):
    """A render context whose variables and call results are checked for awaitables."""

    def resolve_or_missing(self, key: str) -> Any:
        return _checked(super().resolve_or_missing(key))

    def call(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return _checked(super().call(function, *args, **kwargs))


class _SyncEnvironment(jinja2.Environment):
    """The synchronous twin: attribute and item lookups are checked for awaitables, and a
    template naming a coroutine-function filter or test refuses to compile."""

    context_class = _GuardedContext

    def getattr(self, obj: Any, attribute: str) -> Any:
        if obj.__class__ is dict and attribute not in _DICT_ATTRIBUTES:
            # ``row.id`` of a dict row: straight to the item, the lookup Jinja2 ends with,
            # without raising and formatting an AttributeError first (a third of the
            # instructions of the fortunes benchmark page, at two lookups a row).
            try:
                value = obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        else:
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                try:
                    value = obj[attribute]
                except (TypeError, LookupError, AttributeError):
                    return self.undefined(obj=obj, name=attribute)
        # The common case inline: one lookup per attribute in a loop adds up.
        return value if value.__class__ in _PLAIN else _checked(value)

    def getitem(self, obj: Any, argument: Any) -> Any:
        return _checked(super().getitem(obj, argument))

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        # A flat dict rather than Jinja2's ChainMap, which every render copies key by key
        # in Python; Jinja2 asks that globals not change once templates are loaded.
        return {**self.globals, **(d or {})}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for node in tree.find_all((nodes.Filter, nodes.Test)):
            registry = self.filters if isinstance(node, nodes.Filter) else self.tests
            function = registry.get(node.name)
            if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
                raise _NeedsAsync(f"the async {type(node).__name__.lower()} {node.name!r}")
        return tree


class SyncTwin:
    """Renders the templates of an async-mode environment synchronously where they allow.

    :meth:`render` returns ``None`` for a template that needs async mode (it is then
    remembered as such); the caller renders it with the async environment.
    """

    def __init__(self, environment: jinja2.Environment) -> None:
        self.environment = environment
        self._twin: jinja2.Environment | None = None
        self._async: set[str] = set()
        # Compiled templates by name, when they are never reloaded.
        self._loaded: dict[str, jinja2.Template] = {}

    def _sync_environment(self) -> jinja2.Environment:
        # Made at the first render, once the application has set its environment up.
        if self._twin is None:
            twin = self.environment.overlay(enable_async=False)
            twin.__class__ = _SyncEnvironment
            self._twin = twin
        return self._twin

    def template(self, name: str) -> jinja2.Template | None:
        """Template ``name`` compiled for sync rendering, or ``None`` if it needs async.

        Raises Jinja2's own errors (not found, syntax) as the async environment would.
        """
        template = self._loaded.get(name)
        if template is not None or name in self._async:
            return template
        try:
            template = self._sync_environment().get_template(name)
        except _NeedsAsync:
            self._async.add(name)
            return None
        if not self.environment.auto_reload:
            self._loaded[name] = template
        return template

    def render(self, name: str, template: jinja2.Template, context: dict[str, Any]) -> str | None:
        """The output of ``template`` (from :meth:`template`), or ``None`` when it met an
        awaitable: ``name`` then renders in async mode from now on."""
        try:
            return template.render(context)
        except _NeedsAsync:
            self._async.add(name)
            self._loaded.pop(name, None)
            return None
