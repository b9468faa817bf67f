"""Registration shared by :class:`~gobstopper.Gobstopper` and :class:`~gobstopper.Blueprint`:
routes, request hooks, error handlers and nested blueprints.

Registration only records what was asked; the application turns the records into its
router and per-route pipelines once, at startup (and again if something is registered
later), so requests never pay for it.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from .callplan import compile_call
from .concurrency import as_async
from .http.request import Request
from .http.response import Response
from .routing.router import Rule
from .staticfiles import StaticFiles

if TYPE_CHECKING:
    from .blueprints import Blueprint

__all__ = ["ErrorHandler", "RouteSpec", "Scaffold", "WebSocketSpec"]

F = TypeVar("F", bound=Callable[..., Any])
BeforeHook = Callable[["Request"], Awaitable[Any]]
AfterHook = Callable[["Request", "Response"], Awaitable["Response"]]
TeardownHook = Callable[["Request", "BaseException | None"], Awaitable[None]]
ErrorHandler = Callable[["Request", BaseException], Awaitable[Any]]

_HTTP_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)


@dataclass
class RouteSpec:
    """A route as registered, before prefixes are applied."""

    rule: str
    endpoint: str
    view_func: Callable[..., Any]
    methods: frozenset[str]


@dataclass
class WebSocketSpec:
    """A WebSocket route as registered, before prefixes are applied."""

    rule: str
    endpoint: str
    handler: Callable[..., Awaitable[Any]]
    origins: frozenset[str] | None


@dataclass
class _BlueprintMount:
    blueprint: Blueprint
    url_prefix: str | None
    name: str | None


@dataclass
class _Registry:
    routes: list[RouteSpec] = field(default_factory=list)
    before: list[BeforeHook] = field(default_factory=list)
    after: list[AfterHook] = field(default_factory=list)
    teardown: list[TeardownHook] = field(default_factory=list)
    error_handlers: dict[int | type[BaseException], ErrorHandler] = field(default_factory=dict)
    blueprints: list[_BlueprintMount] = field(default_factory=list)
    websockets: list[WebSocketSpec] = field(default_factory=list)


def _root_of(import_name: str) -> str:
    module = sys.modules.get(import_name)
    filename: str | None = getattr(module, "__file__", None)
    if filename is None:
        return os.getcwd()
    return os.path.dirname(os.path.abspath(filename))


def _positional_count(func: Callable[..., Any]) -> int:
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    parameters = inspect.signature(func).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return 2
    return sum(1 for p in parameters if p.kind in kinds)


def _required_count(func: Callable[..., Any]) -> int:
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    parameters = inspect.signature(func).parameters.values()
    return sum(1 for p in parameters if p.kind in kinds and p.default is inspect.Parameter.empty)


def _hook(func: Callable[..., Any], kind: str, ours: str) -> Callable[..., Awaitable[Any]]:
    """``func`` as a hook called with the request first, whichever of Gobstopper's
    signature (``ours``) or Flask's (the same without the request) it was written with;
    decided once, at registration."""
    arity = ours.count(",") + 1
    given = _positional_count(func)
    required = _required_count(func)
    hook = as_async(func)
    if required <= arity <= given:
        return hook
    if required <= arity - 1 <= given:
        first = next(iter(inspect.signature(func).parameters), None)
        if first == "request" and arity > 1:
            raise TypeError(
                f"{kind} hook {func.__qualname__} takes only the request; it is called with "
                f"({ours}), or in Flask's form without the request"
            )

        async def flask_style(request: Request, *rest: Any) -> Any:
            return await hook(*rest)

        flask_style.__wrapped__ = func  # type: ignore[attr-defined]
        return flask_style
    raise TypeError(
        f"{kind} hook {func.__qualname__} takes {given} arguments; it is called with ({ours}), "
        "or in Flask's form without the request"
    )


def _check_error_key(code_or_exception: object) -> None:
    if isinstance(code_or_exception, int):
        if not 400 <= code_or_exception <= 599:
            raise ValueError(f"error handlers take 4xx or 5xx statuses, got {code_or_exception}")
    elif not (inspect.isclass(code_or_exception) and issubclass(code_or_exception, BaseException)):
        raise TypeError(
            f"errorhandler() takes a status code or an exception class, not {code_or_exception!r}"
        )


class Scaffold:
    """Common registration API of applications and blueprints."""

    def __init__(
        self,
        import_name: str,
        *,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.import_name = import_name
        self._registry = _Registry()
        self._revision = 0
        #: The applications and blueprints this one is registered on.
        self._mounted_on: list[Scaffold] = []
        #: The folder relative paths are resolved against: the importing module's folder.
        self.root_path = os.fspath(root_path) if root_path is not None else _root_of(import_name)
        #: Absolute path of this scaffold's Jinja2 templates, or ``None``.
        self.template_folder = self._absolute(template_folder)
        #: Absolute path of this scaffold's static files, or ``None``.
        self.static_folder = self._absolute(static_folder)
        self.static_url_path: str | None = None
        if self.static_folder is not None and os.path.isdir(self.static_folder):
            if static_url_path is None:
                static_url_path = "/" + os.path.basename(self.static_folder.rstrip(os.sep))
            self.static_url_path = static_url_path.rstrip("/")
            self._register_static(self.static_folder, self.static_url_path)

    def _absolute(self, folder: str | os.PathLike[str] | None) -> str | None:
        if folder is None:
            return None
        return os.path.join(self.root_path, os.fspath(folder))

    def _register_static(self, folder: str, url_path: str) -> None:
        files = StaticFiles(folder)

        async def static(request: Request, filename: str) -> Response:
            return files.response(request, filename)

        self.add_url_rule(f"{url_path}/<path:filename>", "static", static)

    @property
    def revision(self) -> int:
        """Counts the changes to this scaffold and to the blueprints registered on it, so
        an application knows when what it built from them is out of date."""
        return self._revision

    def _touch(self) -> None:
        """Record a registration here and in every scaffold this one is mounted on."""
        self._check_open()
        self._changed()

    def _check_open(self) -> None:
        """Raise if an application this scaffold belongs to has started serving."""
        for parent in self._mounted_on:
            parent._check_open()

    def _changed(self) -> None:
        self._revision += 1
        for parent in self._mounted_on:
            parent._changed()

    # -- routes ---------------------------------------------------------------------------

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        methods: list[str] | tuple[str, ...] | None = None,
    ) -> None:
        """Register ``view_func`` for ``rule`` (what the route decorators call)."""
        if view_func is None:
            raise TypeError("add_url_rule() needs a view_func")
        # Validate the pattern and the signature now, where a mistake was made; the call
        # plan is built again with the full prefix when the application starts.
        compile_call(view_func, Rule(rule), resolved=False)
        wanted = frozenset(m.upper() for m in (methods or ("GET",)))
        unknown = wanted - _HTTP_METHODS
        if unknown:
            raise ValueError(f"unknown HTTP method(s) {sorted(unknown)} for route {rule!r}")
        name = endpoint or view_func.__name__
        if "." in name:
            raise ValueError(f"endpoint name {name!r} may not contain '.'")
        for existing in self._registry.routes:
            if existing.endpoint == name and existing.view_func is not view_func:
                raise ValueError(
                    f"endpoint {name!r} is already used by {existing.view_func.__qualname__}; "
                    "pass endpoint= to tell them apart"
                )
        self._touch()
        self._registry.routes.append(RouteSpec(rule, name, view_func, wanted))

    def route(
        self,
        rule: str,
        methods: list[str] | tuple[str, ...] | None = None,
        *,
        endpoint: str | None = None,
    ) -> Callable[[F], F]:
        """Register the decorated function as the handler of ``rule``.

        >>> @app.route("/items", methods=["GET", "POST"])
        ... async def items(request):
        ...     ...
        """

        def decorator(func: F) -> F:
            self.add_url_rule(rule, endpoint, func, methods)
            return func

        return decorator

    def get(self, rule: str, *, endpoint: str | None = None) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["GET"])`` (HEAD is answered too)."""
        return self.route(rule, ["GET"], endpoint=endpoint)

    def post(self, rule: str, *, endpoint: str | None = None) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["POST"])``."""
        return self.route(rule, ["POST"], endpoint=endpoint)

    def put(self, rule: str, *, endpoint: str | None = None) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["PUT"])``."""
        return self.route(rule, ["PUT"], endpoint=endpoint)

    def patch(self, rule: str, *, endpoint: str | None = None) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["PATCH"])``."""
        return self.route(rule, ["PATCH"], endpoint=endpoint)

    def delete(self, rule: str, *, endpoint: str | None = None) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["DELETE"])``."""
        return self.route(rule, ["DELETE"], endpoint=endpoint)

    def options(self, rule: str, *, endpoint: str | None = None) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["OPTIONS"])`` (replaces the automatic answer)."""
        return self.route(rule, ["OPTIONS"], endpoint=endpoint)

    def websocket(
        self, rule: str, *, endpoint: str | None = None, origins: list[str] | None = None
    ) -> Callable[[F], F]:
        """Register the decorated coroutine as the WebSocket handler of ``rule``.

        It is called with the :class:`~gobstopper.websocket.WebSocket` and the path
        parameters. With ``origins``, an upgrade whose ``Origin`` header is not listed is
        refused with HTTP 403 before the handler runs.

        >>> @app.websocket("/ws/rooms/<int:room_id>")
        ... async def room(websocket, room_id: int):
        ...     await websocket.accept()
        ...     async for message in websocket:
        ...         await websocket.send_text(message.data)
        """
        Rule(rule)

        def decorator(func: F) -> F:
            if not inspect.iscoroutinefunction(func):
                raise TypeError(f"WebSocket handler {func.__qualname__} must be async def")
            name = endpoint or func.__name__
            allowed = frozenset(origins) if origins is not None else None
            self._touch()
            self._registry.websockets.append(WebSocketSpec(rule, name, func, allowed))
            return func

        return decorator

    # -- hooks ----------------------------------------------------------------------------

    def before_request(self, func: F) -> F:
        """Run ``func(request)`` before each handler; a non-``None`` return value is sent
        instead of calling the handler (useful for auth checks).

        Flask's form without arguments works too; it reads the request through
        :data:`gobstopper.request`.

        >>> @app.before_request
        ... async def require_token(request):
        ...     if "Authorization" not in request.headers:
        ...         return {"error": "token required"}, 401
        """
        hook = _hook(func, "before_request", "request")
        self._touch()
        self._registry.before.append(hook)
        return func

    def after_request(self, func: F) -> F:
        """Run ``func(request, response)`` after each handler; it returns the response to
        send. Flask's ``func(response)`` works too."""
        hook = _hook(func, "after_request", "request, response")
        self._touch()
        self._registry.after.append(hook)
        return func

    def teardown_request(self, func: F) -> F:
        """Run ``func(request, exc)`` once the response is built, even after an error
        (``exc`` is ``None`` after a success). Flask's ``func(exc)`` works too."""
        hook = _hook(func, "teardown_request", "request, exc")
        self._touch()
        self._registry.teardown.append(hook)
        return func

    def errorhandler(self, code_or_exception: int | type[BaseException]) -> Callable[[F], F]:
        """Handle an HTTP status or an exception class with the decorated function.

        The function takes ``(error)`` or ``(request, error)`` and returns anything a
        handler may return.

        >>> @app.errorhandler(404)
        ... async def not_found(request, error):
        ...     return {"error": "nothing here", "path": request.path}, 404
        """

        _check_error_key(code_or_exception)

        def decorator(func: F) -> F:
            self.register_error_handler(code_or_exception, func)
            return func

        return decorator

    def register_error_handler(
        self, code_or_exception: int | type[BaseException], func: Callable[..., Any]
    ) -> None:
        """Non-decorator form of :meth:`errorhandler`."""
        _check_error_key(code_or_exception)
        handler = as_async(func)
        if _positional_count(func) >= 2:
            normalised: ErrorHandler = handler
        else:

            async def normalised(request: Request, error: BaseException) -> Any:
                return await handler(error)

            normalised.__wrapped__ = func  # type: ignore[attr-defined]

        self._touch()
        self._registry.error_handlers[code_or_exception] = normalised

    # -- blueprints -----------------------------------------------------------------------

    def _mounted_blueprints(self) -> Iterator[Blueprint]:
        """Every blueprint below this one, depth first in registration order, each once."""
        seen: set[int] = set()
        pending = [mount.blueprint for mount in reversed(self._registry.blueprints)]
        while pending:
            blueprint = pending.pop()
            if id(blueprint) in seen:
                continue
            seen.add(id(blueprint))
            yield blueprint
            pending.extend(mount.blueprint for mount in reversed(blueprint._registry.blueprints))

    def register_blueprint(
        self, blueprint: Blueprint, *, url_prefix: str | None = None, name: str | None = None
    ) -> None:
        """Mount ``blueprint`` (and the blueprints nested in it) under ``url_prefix``.

        ``name`` registers the same blueprint twice under different endpoint names.
        """
        if blueprint is self or blueprint in self._ancestry():
            raise ValueError(
                f"blueprint {blueprint.name!r} cannot be registered inside itself or a "
                "blueprint nested in it"
            )
        mount_name = name or blueprint.name
        for mount in self._registry.blueprints:
            if (mount.name or mount.blueprint.name) == mount_name:
                raise ValueError(
                    f"a blueprint named {mount_name!r} is already registered; pass name= to "
                    "register it again under another name"
                )
        self._touch()
        self._registry.blueprints.append(_BlueprintMount(blueprint, url_prefix, name))
        blueprint._mounted_on.append(self)

    def _ancestry(self) -> Iterator[Scaffold]:
        """Every scaffold this one is registered on, directly or through others."""
        for parent in self._mounted_on:
            yield parent
            yield from parent._ancestry()
