"""The application: :class:`Gobstopper`, an RSGI callable with a Flask-like API.

>>> from gobstopper import Gobstopper
>>> app = Gobstopper(__name__)
>>> @app.get("/users/<int:user_id>")
... async def show_user(user_id: int):
...     return {"id": user_id}

Serve it with ``gobstopper run`` (Granian, RSGI) or test it with
:class:`gobstopper.testing.TestClient`.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .accelerators import log_implementation
from .callplan import compile_call
from .concurrency import as_async
from .dispatch import install, native_entry
from .endpoint import Endpoint, handle_exception
from .globals import reads_context
from .http.cookies import CookiePolicy
from .http.errors import HTTPException
from .http.request import Request, request_in_context
from .http.response import RedirectResponse, Response
from .http.results import (
    RESULT_CONVERTERS,
    as_is,
    body_only_types,
    result_converters,
    to_response,
)
from .logconfig import configure_default_logging
from .middleware.base import CallNext, Middleware, build_chain
from .routing.router import BuildError, Router, Rule
from .scaffold import ErrorHandler, Scaffold, WebSocketSpec
from .security.signing import Signer
from .serving import serve
from .settings import Settings
from .tasks.mixin import TaskMixin
from .tasks.registry import TaskRegistry
from .templating_api import TemplateMixin

if TYPE_CHECKING:
    from .cli.appgroup import AppGroup
    from .tasks.queue import TaskQueue

__all__ = ["Gobstopper", "url_for"]

logger = logging.getLogger("gobstopper")
F = TypeVar("F", bound=Callable[..., Any])

_current_app: Gobstopper | None = None


def _join(prefix: str, rule: str) -> str:
    return prefix.rstrip("/") + rule if prefix else rule


class Gobstopper(TemplateMixin, TaskMixin, Scaffold):
    """A Gobstopper application.

    :param import_name: the application's module, normally ``__name__``.
    :param debug: show tracebacks in 500 responses (never in production).
    :param json_max_bytes: largest request body read into memory
        (``GOBSTOPPER_JSON_MAX_BYTES``, default 1 MiB).
    :param json_max_depth: deepest JSON nesting accepted (``GOBSTOPPER_JSON_MAX_DEPTH``, 64).
    :param trusted_proxies: addresses/networks whose ``X-Forwarded-For`` is believed
        (``GOBSTOPPER_TRUSTED_PROXIES``).
    :param max_upload_bytes: largest multipart body (``GOBSTOPPER_MAX_UPLOAD_BYTES``,
        100 MiB); ``max_file_bytes`` caps each uploaded file (``GOBSTOPPER_MAX_FILE_BYTES``).
    :param static_folder: files served at ``static_url_path`` (``/static``) when the folder
        exists; relative to the application's module. ``None`` turns it off.
    :param template_folder: where :meth:`render_template` looks first.
    :param secret_key: signs session ids, notification cookies and CSRF tokens
        (``GOBSTOPPER_SECRET_KEY``); keep it secret and the same on every worker.
    :param secret_key_fallbacks: earlier secret keys, newest first
        (``GOBSTOPPER_SECRET_KEY_FALLBACKS``, comma-separated): nothing is signed with
        them, but what they signed still verifies, so a new key logs nobody out.
    :param task_database: the file of background tasks (SQLite; DuckDB for ``*.duckdb``)
        (``GOBSTOPPER_TASK_DATABASE``), used when there is no ``task_broker``.
    :param task_broker: a ``redis://`` URL (``GOBSTOPPER_TASK_BROKER``): background tasks
        then go through Redis Streams, shared by every process and machine.
    :param request_context: whether :data:`gobstopper.request`, ``session``, ``g`` and
        :func:`gobstopper.render_template` follow each request. By default they do when
        templates are used or a module defining a handler, hook or error handler imports
        one of them; ``True`` turns it on for code elsewhere, ``False`` off.
    """

    def __init__(
        self,
        import_name: str,
        debug: bool | None = None,
        *,
        json_max_bytes: int | None = None,
        json_max_depth: int | None = None,
        trusted_proxies: Iterable[str] | None = None,
        max_upload_bytes: int | None = None,
        max_file_bytes: int | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = "templates",
        root_path: str | os.PathLike[str] | None = None,
        secret_key: str | None = None,
        secret_key_fallbacks: Iterable[str] | None = None,
        task_database: str | os.PathLike[str] | None = None,
        task_broker: str | None = None,
        request_context: bool | None = None,
    ) -> None:
        #: Whether the application has served a request (its setup is then frozen).
        self.serving = False
        super().__init__(
            import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        self.settings = Settings.resolve(
            debug=debug,
            json_max_bytes=json_max_bytes,
            json_max_depth=json_max_depth,
            trusted_proxies=trusted_proxies,
            max_upload_bytes=max_upload_bytes,
            max_file_bytes=max_file_bytes,
            secret_key=secret_key,
            secret_key_fallbacks=secret_key_fallbacks,
            task_database=None if task_database is None else os.fspath(task_database),
            task_broker=task_broker,
        )
        #: How this application completes the cookies it sends (production rules).
        self.cookie_policy = CookiePolicy(self.settings)
        #: Whether responses go through :attr:`cookie_policy` (its production rules).
        self.secure_cookies = self.cookie_policy.enforce
        self._middleware: list[Middleware] = []
        self._startup_hooks: list[Callable[[], Awaitable[Any]]] = []
        self._shutdown_hooks: list[Callable[[], Awaitable[Any]]] = []
        self._router: Router[Endpoint] = Router()
        #: The HTTP routes without placeholders, as built at startup: path -> method ->
        #: endpoint. Looked up before :attr:`match_dynamic`.
        self.static_routes: dict[str, dict[str, Endpoint]] = {}
        #: The other HTTP routes' lookup, as built at startup: path -> ``(method ->
        #: endpoint, path parameters)``, or ``None``.
        self.match_dynamic = self._router.match_dynamic
        #: The WebSocket routes, as built at startup.
        self.websocket_router: Router[WebSocketSpec] = Router()
        self._rules_by_endpoint: dict[str, Rule] = {}
        #: What a handler's result becomes, by its exact type (see
        #: :func:`~gobstopper.http.results.result_converters`), as built at startup.
        self.converters: dict[type, Callable[[Any], Response]] = dict(RESULT_CONVERTERS)
        #: The result types sent as a body and one header, and how (see
        #: :func:`~gobstopper.http.results.body_only_types`), as built at startup.
        self.body_only = body_only_types(self.converters)
        #: The middleware chain ending in the router, as built at startup.
        self.entry: CallNext = self._dispatch
        #: Whether requests go straight to :meth:`begin` (no middleware), decided at build.
        self.direct = True
        self._error_handlers: dict[str, Mapping[Any, ErrorHandler]] = {}
        self._built_revision = -1
        self._init_template_state()
        # Setting the current-request context variable costs about 0.2 µs, so it is done
        # only for applications with a reader (templates, or code importing the context
        # locals of gobstopper.globals).
        self._request_context = request_context
        #: Whether each request is made current for the context locals (decided at build).
        self.uses_request_context = False
        self._cli: AppGroup | None = None
        self._ephemeral_key: str | None = None
        self._signers: dict[str, Signer] = {}
        self._task_registry = TaskRegistry()
        self._task_queue: TaskQueue | None = None
        # With the Rust core, the RSGI callable is its dispatcher (see gobstopper.dispatch),
        # set now because Granian reads ``__rsgi__`` once, before the first request.
        self._dispatcher = native_entry(self)
        if self._dispatcher is not None:
            self.__rsgi__ = self._dispatcher  # type: ignore[method-assign]

    @property
    def secret_key(self) -> str:
        """The key that signs cookies and tokens: ``secret_key=`` or
        ``GOBSTOPPER_SECRET_KEY``; without either, a random key for this process (logged
        once), so signed cookies do not outlive it or cross to other workers."""
        key = self.settings.secret_key or self._ephemeral_key
        if key is None:
            logger.warning(
                "no secret key is set (GOBSTOPPER_SECRET_KEY): using a random one, so "
                "sessions and notifications do not survive a restart or cross workers"
            )
            key = self._ephemeral_key = secrets.token_urlsafe(32)
        return key

    def signer(self, purpose: str) -> Signer:
        """The signer of ``purpose`` (``"session"``, ``"notifications"``...) under
        :attr:`secret_key`, verifying under the fallback keys too; derived once per
        purpose."""
        signer = self._signers.get(purpose)
        if signer is None:
            signer = self._signers[purpose] = Signer(
                self.secret_key, purpose, fallbacks=self.settings.secret_key_fallbacks
            )
        return signer

    @property
    def debug(self) -> bool:
        """Whether debug mode is on."""
        return self.settings.debug

    @property
    def cli(self) -> AppGroup:
        """The project's own commands, run as ``gobstopper <command>`` (a click group).

        >>> @app.cli.command("seed")
        ... def seed():
        ...     \"\"\"Fill the database with sample data.\"\"\"
        """
        if self._cli is None:
            from .cli.appgroup import AppGroup

            self._cli = AppGroup(name=self.import_name)
        return self._cli

    def run(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        debug: bool | None = None,
        *,
        reload: bool | None = None,
        workers: int = 1,
        log_level: str = "info",
    ) -> None:
        """Serve the application on Granian, for development (``gobstopper run`` is the
        command for everything else).

        ``debug`` turns on debug mode in the server's workers; ``reload`` (default: as
        ``debug``) restarts them when a file beside the application changes (needs
        ``gobstopper[dev]``). The application must be a module-level variable, as Granian
        imports it again in each worker.

        >>> if __name__ == "__main__":
        ...     app.run(port=8000, debug=True)
        """
        from .devserver import serve

        serve(self, host, port, debug=debug, reload=reload, workers=workers, log_level=log_level)

    # -- lifecycle ------------------------------------------------------------------------

    def on_startup(self, func: F) -> F:
        """Run ``func()`` (sync or async) when a worker starts, before it serves requests."""
        self._startup_hooks.append(as_async(func))
        return func

    def on_shutdown(self, func: F) -> F:
        """Run ``func()`` (sync or async) when a worker stops."""
        self._shutdown_hooks.append(as_async(func))
        return func

    async def startup(self) -> None:
        """Build the router and run the startup hooks (Granian and the TestClient call this)."""
        configure_default_logging()
        log_implementation()
        self._build()
        for hook in self._startup_hooks:
            await hook()

    async def shutdown(self) -> None:
        """Run the shutdown hooks; one failing does not stop the others."""
        for hook in self._shutdown_hooks:
            try:
                await hook()
            except Exception:
                logger.exception("shutdown hook %r failed", hook)

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self.startup())
        # What exists once the worker has started (modules, routes, settings) lives as
        # long as the worker: moved out of the collector's reach, a full collection walks
        # only what serving allocates, and pauses for a tenth as long under load.
        gc.collect()
        gc.freeze()

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.run_until_complete(self.shutdown())

    # -- middleware -----------------------------------------------------------------------

    def add_middleware(self, middleware: Middleware | type, **options: Any) -> None:
        """Add a middleware; a class is instantiated with ``options``.

        The first middleware added is the outermost. See :mod:`gobstopper.middleware.base`.
        """
        instance = middleware(**options) if inspect.isclass(middleware) else middleware
        if options and not inspect.isclass(middleware):
            raise TypeError("options are only accepted with a middleware class")
        if not callable(instance):
            raise TypeError(f"middleware {instance!r} is not callable")
        self._middleware.append(instance)
        self._touch()

    @property
    def middleware(self) -> tuple[Middleware, ...]:
        """The middleware added so far, outermost first."""
        return tuple(self._middleware)

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        global _current_app
        endpoints: list[tuple[Endpoint, frozenset[str]]] = []
        sockets: list[tuple[Rule, WebSocketSpec]] = []
        self._collect(self, "", "", (self,), endpoints, sockets)
        socket_router: Router[WebSocketSpec] = Router()
        for rule, spec in sockets:
            socket_router.add(rule, ["WS"], spec)
        self.websocket_router = socket_router
        router: Router[Endpoint] = Router()
        rules: dict[str, Rule] = {}
        for endpoint, methods in endpoints:
            router.add(endpoint.rule, methods, endpoint)
            rules.setdefault(endpoint.name, endpoint.rule)
        for endpoint, methods in endpoints:
            if "GET" in methods:
                router.add(endpoint.rule, ["HEAD"], endpoint, implicit=True)
        self._router = router
        self.match_dynamic = router.match_dynamic
        self.static_routes = router.static_routes
        self._rules_by_endpoint = rules
        self.converters = result_converters(endpoint.view_func for endpoint, _ in endpoints)
        self.body_only = body_only_types(self.converters)
        self._error_handlers = {endpoint.name: endpoint.error_handlers for endpoint, _ in endpoints}
        for middleware in self._middleware:
            check = getattr(middleware, "check_app", None)
            if check is not None:
                check(self)
        self.entry = build_chain(self._middleware, self._dispatch)
        self.direct = not self._middleware
        self._blueprint_templates = list(
            dict.fromkeys(
                blueprint.template_folder
                for blueprint in self._mounted_blueprints()
                if blueprint.template_folder is not None
            )
        )
        self.uses_request_context = (
            self._request_context
            if self._request_context is not None
            else self._templates is not None
            or any(
                os.path.isdir(folder)
                for folder in [self.template_folder or "", *self._blueprint_templates]
            )
            or any(reads_context(func) for func in self._user_functions(endpoints, sockets))
        )
        self._built_revision = self.revision
        _current_app = self

    def _ensure_built(self) -> None:
        if self._built_revision != self.revision:
            self._build()

    def start_serving(self) -> None:
        """Build what changed since startup and freeze the setup: from the first request
        on, registering routes, hooks, blueprints or middleware raises an error."""
        self._ensure_built()
        if self._dispatcher is not None:
            install(self._dispatcher, self, self._router)
        self.serving = True

    def _check_open(self) -> None:
        if self.serving:
            raise RuntimeError(
                f"{self!r} has already served a request, so its setup is frozen: register "
                "routes, hooks, error handlers, blueprints and middleware before it starts"
            )

    def _user_functions(
        self,
        endpoints: list[tuple[Endpoint, frozenset[str]]],
        sockets: list[tuple[Rule, WebSocketSpec]],
    ) -> Iterable[Callable[..., Any]]:
        """Every handler, hook and error handler the application will call."""
        for endpoint, _ in endpoints:
            yield endpoint.view_func
        for _, socket in sockets:
            yield socket.handler
        for scaffold in (self, *self._mounted_blueprints()):
            registry = scaffold._registry
            yield from registry.before
            yield from registry.after
            yield from registry.teardown
            yield from registry.error_handlers.values()

    def _collect(
        self,
        scaffold: Scaffold,
        prefix: str,
        name_prefix: str,
        chain: tuple[Scaffold, ...],
        out: list[tuple[Endpoint, frozenset[str]]],
        sockets: list[tuple[Rule, WebSocketSpec]],
    ) -> None:
        registries = [s._registry for s in chain]
        error_handlers: dict[Any, Any] = {}
        for registry in registries:
            error_handlers.update(registry.error_handlers)
        before = [hook for registry in registries for hook in registry.before]
        after = [hook for registry in reversed(registries) for hook in registry.after]
        teardown = [hook for registry in reversed(registries) for hook in registry.teardown]
        for spec in scaffold._registry.routes:
            rule = Rule(_join(prefix, spec.rule))
            call = compile_call(spec.view_func, rule)
            for wrap in getattr(spec.view_func, "__gobstopper_call_wrappers__", ()):
                call = wrap(call)
            endpoint = Endpoint(
                name=name_prefix + spec.endpoint,
                rule=rule,
                view_func=spec.view_func,
                call=call,
                before=before,
                after=after,
                teardown=teardown,
                error_handlers=error_handlers,
                settings=self.settings,
            )
            out.append((endpoint, spec.methods))
        for socket in scaffold._registry.websockets:
            sockets.append((Rule(_join(prefix, socket.rule)), socket))
        for mount in scaffold._registry.blueprints:
            blueprint = mount.blueprint
            if blueprint in chain:
                raise ValueError(f"blueprint {blueprint.name!r} is nested inside itself")
            url_prefix = mount.url_prefix if mount.url_prefix is not None else blueprint.url_prefix
            self._collect(
                blueprint,
                _join(prefix, url_prefix or ""),
                f"{name_prefix}{mount.name or blueprint.name}.",
                (*chain, blueprint),
                out,
                sockets,
            )

    # -- serving --------------------------------------------------------------------------

    __rsgi__ = serve

    def view_function_for(self, method: str, path: str) -> Callable[..., Any] | None:
        """The handler that would serve ``method path``, or ``None`` (for middleware that
        honours per-handler markers such as ``@csrf_exempt``)."""
        self._ensure_built()
        found = self._router.match(path)
        if found is None:
            return None
        endpoint = found[0].get(method)
        return None if endpoint is None else endpoint.view_func

    def begin(self, request: Request) -> Awaitable[Any]:
        """Route ``request`` and start answering it (see :meth:`begin_routed`)."""
        path = request.scope.path
        endpoints = self.static_routes.get(path)
        if endpoints is not None:
            return self.begin_routed(request, endpoints, endpoints.get(request.scope.method), {})
        found = self.match_dynamic(path)
        if found is None:
            return self._not_found(request)
        return self.begin_routed(request, found[0], found[0].get(request.scope.method), found[1])

    def begin_routed(
        self,
        request: Request,
        endpoints: dict[str, Endpoint] | None,
        endpoint: Endpoint | None,
        params: dict[str, Any],
    ) -> Awaitable[Any]:
        """Start answering ``request``, routed to ``endpoints`` by method, ``endpoint``
        for its own (``None`` for no route or no such method) with path parameters
        ``params``: the awaitable of its handler's result for a route without hooks (what
        the handler raises goes to :meth:`route_error`), else of the finished response (a
        route with hooks, not found, method not allowed). Synchronous, so serving a request
        costs no coroutine of its own here."""
        if endpoint is None:
            if endpoints is None:
                return self._not_found(request)
            return self._method_not_allowed(request, endpoints)
        request.path_params = params
        if endpoint.hooked:
            return endpoint.run_hooked(request, params)
        request.endpoint = endpoint.name
        target = endpoint.target
        if target is None:
            return endpoint.call(request, params)
        # The call plan inlined (DirectCall): a frame less per request, and the path
        # parameters passed by position where the handler allows it.
        if not params:
            return target(request) if endpoint.passes_request else target()
        value, values = endpoint.path_value, endpoint.path_values
        if endpoint.passes_request:
            if value is not None:
                return target(request, value(params))
            if values is not None:
                return target(request, *values(params))
            return target(request, **params)
        if value is not None:
            return target(value(params))
        if values is not None:
            return target(*values(params))
        return target(**params)

    async def route_error(self, request: Request, error: Exception) -> Response:
        """Turn ``error``, raised while :meth:`begin` routed ``request`` or by its handler,
        into a response through the error handlers of the handler's blueprints and the
        application (the application's alone when no route matched)."""
        try:
            handlers = self._error_handlers[request.endpoint]
        except (AttributeError, KeyError):
            handlers = self._registry.error_handlers
        return await handle_exception(request, error, handlers, self.settings)

    async def _dispatch(self, request: Request) -> Response:
        # The end of the middleware chain; without middleware, serve() does this inline.
        try:
            return self.respond(await self.begin(request))
        except Exception as error:
            return await self.route_error(request, error)

    def respond(self, result: Any) -> Response:
        """The response for a handler's ``result``, through the converter table built at
        startup (:func:`~gobstopper.http.results.result_converters`)."""
        convert = self.converters.get(type(result))
        if convert is as_is:
            return result  # type: ignore[no-any-return]
        return convert(result) if convert is not None else to_response(result)

    async def _method_not_allowed(
        self, request: Request, endpoints: dict[str, Endpoint]
    ) -> Response:
        allow = ", ".join(sorted({*endpoints, "OPTIONS"}))
        if request.method == "OPTIONS":
            return Response(b"", 204, {"Allow": allow})
        error = HTTPException(
            405, f"{request.method} is not allowed here; use {allow}.", headers={"Allow": allow}
        )
        return await self.handle_exception(request, error)

    async def _not_found(self, request: Request) -> Response:
        path = request.path
        if not path.endswith("/") and not path.startswith("//") and self._router.match(path + "/"):
            query = request.query_string
            return RedirectResponse(f"{path}/?{query}" if query else f"{path}/", 308)
        error = HTTPException(404, f"Nothing is served at {path}.")
        return await self.handle_exception(request, error)

    async def handle_exception(self, request: Request, error: Exception) -> Response:
        """Turn ``error``, raised outside any route (by a middleware, a callback of
        :meth:`~gobstopper.Request.after_this_request`, or the router), into a response
        through the application's error handlers: those of its class, then ``500`` or
        ``Exception`` for a crash, then the built-in page."""
        return await handle_exception(request, error, self._registry.error_handlers, self.settings)

    # -- URLs -----------------------------------------------------------------------------

    def url_for(self, endpoint: str, **values: Any) -> str:
        """Build the path of ``endpoint`` (``"show_user"``, ``"api.status"``).

        Values that are not path parameters become the query string.

        >>> app.url_for("show_user", user_id=7, tab="posts")
        '/users/7?tab=posts'
        """
        self._ensure_built()
        rule = self._rules_by_endpoint.get(endpoint)
        if rule is None:
            raise BuildError(f"no endpoint named {endpoint!r}")
        return rule.build(values)

    def iter_rules(self) -> list[tuple[str, frozenset[str], str]]:
        """List ``(pattern, methods, endpoint)`` for every route, for tooling and docs."""
        self._ensure_built()
        merged: dict[tuple[str, str], frozenset[str]] = {}
        for rule, methods, target in self._router:
            key = (rule.pattern, target.name)
            merged[key] = merged.get(key, frozenset()) | methods
        return [(pattern, methods, name) for (pattern, name), methods in merged.items()]

    def iter_routes(self) -> list[tuple[Rule, frozenset[str], Endpoint]]:
        """Every HTTP route as built: its parsed rule, the methods registered with it (the
        HEAD that GET implies is an entry of its own) and its endpoint (name, view
        function, error handlers), for tooling such as the OpenAPI document."""
        self._ensure_built()
        return list(self._router)

    # -- OpenAPI --------------------------------------------------------------------------

    def openapi(self, *, title: str | None = None, version: str | None = None) -> dict[str, Any]:
        """The OpenAPI 3.1 document of this application's routes, as plain data (see
        :func:`gobstopper.openapi.build_openapi`).

        >>> msgspec.json.encode(app.openapi(title="Shop API", version="1.2.0"))
        """
        from .openapi import build_openapi

        return build_openapi(self, title=title, version=version)

    def enable_docs(
        self,
        path: str = "/docs",
        openapi_path: str = "/openapi.json",
        *,
        title: str | None = None,
        version: str | None = None,
    ) -> None:
        """Serve the OpenAPI document at ``openapi_path`` (built once, at startup) and an
        interactive docs page at ``path`` whose files ship with Gobstopper: no CDN (see
        :func:`gobstopper.openapi.enable_docs`).

        >>> if app.debug:
        ...     app.enable_docs(title="Shop API")
        """
        from .openapi import enable_docs

        enable_docs(self, path, openapi_path, title, version=version)

    def __repr__(self) -> str:
        return f"<Gobstopper {self.import_name!r}>"


def url_for(endpoint: str, **values: Any) -> str:
    """Build a URL with the application serving the current request (else the one that
    started last in this process).

    Equivalent to ``app.url_for(...)``; outside a request, with several applications in
    one process, call the method on the one you mean.
    """
    request = request_in_context()
    app = request.app if request is not None else _current_app
    if app is None:
        raise RuntimeError("url_for() needs an application that has started; use app.url_for()")
    return app.url_for(endpoint, **values)
