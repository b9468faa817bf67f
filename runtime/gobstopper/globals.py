"""Context locals for code that is not handed the request: ``request``, ``session``, ``g``
and the module-level :func:`render_template`, as Flask and Quart users know them.

>>> from gobstopper import g, request, session
>>> @app.before_request
... def load_user():
...     g.user = session.get("user")
>>> @app.get("/whoami")
... async def whoami():
...     return {"user": g.user, "path": request.path}

Each name follows the request the current task serves (WebSocket handlers see their
upgrade request). Outside a request, using one raises :class:`RuntimeError`.

The application sets the current request only when something can read it (doing so costs
about 0.2 µs a request): templates are in use, or a handler, hook or error handler imports
one of these names from ``gobstopper``, or its module did (or imported ``gobstopper``
itself). Code elsewhere that reads them (a helper module, say) is served by passing
``request_context=True`` to :class:`~gobstopper.Gobstopper`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import CodeType
from typing import TYPE_CHECKING, Any, cast

from .http.request import Request, request_in_context

if TYPE_CHECKING:
    from .sessions.session import Session

__all__ = ["RequestGlobals", "g", "reads_context", "render_template", "request", "session"]


class RequestGlobals:
    """A namespace that lives as long as one request (Flask's ``g``).

    Attributes set in a hook are seen by the handler and by later hooks of the same
    request, and by nothing else.
    """

    def get(self, name: str, default: Any = None) -> Any:
        """The attribute ``name``, or ``default`` when it is not set."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: Any = None) -> Any:
        """Remove the attribute ``name`` and return it (``default`` when it is not set)."""
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        """The attribute ``name``, set to ``default`` first when it is not set."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        return f"<RequestGlobals {sorted(self.__dict__)}>"


def _current() -> Request:
    request = request_in_context()
    if request is None:
        raise RuntimeError(
            "there is no request here: gobstopper.request, session and g work while a "
            "request is served (in handlers, hooks, error handlers and templates). If this "
            "code runs in a request, pass request_context=True to Gobstopper(...)."
        )
    return request


class _ContextProxy:
    """Stands for an object of the current request, forwarding every use to it."""

    __slots__ = ("_resolve", "_what")

    def __init__(self, resolve: Callable[[], Any], what: str) -> None:
        object.__setattr__(self, "_resolve", resolve)
        object.__setattr__(self, "_what", what)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resolve(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._resolve(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._resolve(), name)

    def __getitem__(self, key: Any) -> Any:
        return self._resolve()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._resolve()[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._resolve()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._resolve()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._resolve())

    def __len__(self) -> int:
        return len(self._resolve())

    def __bool__(self) -> bool:
        try:
            return bool(self._resolve())
        except RuntimeError:
            return False

    def __eq__(self, other: object) -> bool:
        return bool(self._resolve() == other)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        try:
            return repr(self._resolve())
        except RuntimeError:
            return f"<gobstopper.{self._what} outside a request>"


#: The request being served (a :class:`~gobstopper.Request`).
request = cast(Request, _ContextProxy(_current, "request"))
#: The current request's session (needs a session middleware).
session = cast("Session", _ContextProxy(lambda: _current().session, "session"))
#: A namespace for the current request (:class:`RequestGlobals`).
g = cast(RequestGlobals, _ContextProxy(lambda: _current().g, "g"))


async def render_template(name: str, /, **context: Any) -> str:
    """Render the template ``name`` with the application serving the current request
    (Flask's module-level ``render_template``; awaited, as in Quart).

    >>> from gobstopper import render_template
    >>> @app.get("/")
    ... async def index():
    ...     return await render_template("index.html", title="Home")
    """
    return await _current().app.render_template(name, **context)


def reads_context(func: Callable[..., Any]) -> bool:
    """Whether ``func``'s module imported one of the context locals (or the module-level
    ``url_for``, or ``gobstopper`` itself), so the application must set the current
    request before calling it."""
    target = getattr(func, "__wrapped__", func)
    module_globals = getattr(target, "__globals__", None)
    if module_globals is None:
        return False
    code = getattr(target, "__code__", None)
    if code is not None and _imports_gobstopper(code):
        return True
    import gobstopper

    readers = {id(request), id(session), id(g), id(render_template), id(gobstopper.url_for)}
    return any(id(value) in readers or value is gobstopper for value in module_globals.values())


_READER_NAMES = frozenset(
    {
        "gobstopper",
        "gobstopper.globals",
        "render_template",
        "render_template_string",
        "stream_template",
    }
)


def _imports_gobstopper(code: CodeType) -> bool:
    """Whether ``code`` (or a function nested in it) imports from ``gobstopper`` itself
    (``from gobstopper import request`` inside a function) or renders a template, whose
    helpers (``csrf_token()``, ``csp_nonce()``) read the current request."""
    if not _READER_NAMES.isdisjoint(code.co_names):
        return True
    return any(
        isinstance(const, CodeType) and _imports_gobstopper(const) for const in code.co_consts
    )
