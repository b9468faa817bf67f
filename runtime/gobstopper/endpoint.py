"""A route ready to serve: its call plan, its hooks and its error handlers, fixed at build.

Routes with no hooks take a shorter path (the application calls :attr:`Endpoint.call`
directly) so that an application pays for hooks only where it registered them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from .callplan import DirectCall, HandlerCall
from .http.awaiting import add_await_hint
from .http.error_pages import error_response, internal_error_response
from .http.errors import HTTPException
from .http.request import Request
from .http.response import Response
from .http.results import to_response
from .routing.router import Rule
from .scaffold import AfterHook, BeforeHook, ErrorHandler, TeardownHook

if TYPE_CHECKING:
    from .settings import Settings

__all__ = ["Endpoint", "handle_exception"]

logger = logging.getLogger("gobstopper")


def _find_handler(
    handlers: Mapping[int | type[BaseException], ErrorHandler], error: BaseException
) -> ErrorHandler | None:
    if isinstance(error, HTTPException):
        handler = handlers.get(error.status)
        if handler is not None:
            return handler
    for cls in type(error).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            return handler
    return None


async def handle_exception(
    request: Request,
    error: Exception,
    handlers: Mapping[int | type[BaseException], ErrorHandler],
    settings: Settings,
) -> Response:
    """The one place an exception becomes a response.

    The handler registered for the error's class (or, for an :class:`HTTPException`, its
    status) answers first, and nothing is logged. A crash no handler claims (an exception
    that is not an :class:`HTTPException`) is logged, then answered by the handler for
    ``500`` with the original exception, as Flask does. Without a handler, the built-in
    page.
    """
    handler = _find_handler(handlers, error)
    if handler is None and not isinstance(error, HTTPException):
        add_await_hint(error)
        logger.exception("unhandled error on %s %s", request.method, request.path, exc_info=error)
        handler = handlers.get(500)
    if handler is not None:
        try:
            return to_response(await handler(request, error))
        except Exception as inner:
            logger.exception(
                "error handler for %r failed on %s %s", error, request.method, request.path
            )
            return internal_error_response(request, inner, settings.debug)
    if isinstance(error, HTTPException):
        return error_response(request, error)
    return internal_error_response(request, error, settings.debug)


class Endpoint:
    """One registered handler with everything it needs per request."""

    __slots__ = (
        "after",
        "before",
        "body_alone",
        "body_reader",
        "call",
        "error_handlers",
        "hooked",
        "name",
        "passes_request",
        "path_value",
        "path_values",
        "requestless",
        "rule",
        "settings",
        "target",
        "teardown",
        "view_func",
    )

    def __init__(
        self,
        *,
        name: str,
        rule: Rule,
        view_func: Callable[..., Any],
        call: HandlerCall,
        before: list[BeforeHook],
        after: list[AfterHook],
        teardown: list[TeardownHook],
        error_handlers: dict[int | type[BaseException], ErrorHandler],
        settings: Settings,
    ) -> None:
        self.name = name
        self.rule = rule
        self.view_func = view_func
        self.call = call
        #: The handler itself when the application may call it directly (its call plan
        #: passes path parameters and perhaps the request, and nothing wraps it), else None.
        self.target = call.target if isinstance(call, DirectCall) else None
        self.passes_request = isinstance(call, DirectCall) and call.passes_request
        #: When :attr:`target` takes its path parameters by position: what picks their
        #: values from the routed parameters, the one value (``path_value``) or a tuple of
        #: them in the handler's order (``path_values``). A call by position costs about a
        #: thousand instructions less than one by keyword.
        self.path_value: Callable[[dict[str, Any]], Any] | None = None
        self.path_values: Callable[[dict[str, Any]], tuple[Any, ...]] | None = None
        positional = call.positional if isinstance(call, DirectCall) else None
        if positional is not None and len(positional) == 1:
            self.path_value = itemgetter(positional[0])
        elif positional:
            self.path_values = itemgetter(*positional)
        self.before = tuple(before)
        self.after = tuple(after)
        self.teardown = tuple(teardown)
        self.error_handlers = error_handlers
        self.settings = settings
        self.hooked = bool(before or after or teardown)
        #: The handler when the application may call it with path parameters alone, before
        #: any request is made (no hooks, and it does not take the request), else None.
        self.requestless = self.target if not (self.hooked or self.passes_request) else None
        #: ``(handler, body parameter, decoder)`` when the application may read and decode
        #: the usual JSON body itself and call the handler with it and the path parameters
        #: alone, before any request is made (see ``direct_body`` in
        #: :mod:`gobstopper.callplan`); else None.
        direct_body = getattr(call, "direct_body", None)
        self.body_reader: tuple[Callable[..., Awaitable[Any]], str, Any] | None = None
        if direct_body is not None and not (self.hooked or direct_body[3]):
            self.body_reader = direct_body[:3]
        #: Whether the handler of :attr:`body_reader` takes the body alone, by position.
        self.body_alone = getattr(call, "body_alone", False)

    async def run_hooked(self, request: Request, params: dict[str, Any]) -> Response:
        """Serve one request through this route's hooks (the application inlines the
        hook-free case)."""
        request.endpoint = self.name
        failure: BaseException | None = None
        try:
            try:
                response = await self._before_and_call(request, params)
            except Exception as error:
                failure = error
                response = await handle_exception(
                    request, error, self.error_handlers, self.settings
                )
            for hook in self.after:
                response = to_response(await hook(request, response))
        except Exception as error:
            failure = error
            response = await handle_exception(request, error, self.error_handlers, self.settings)
        finally:
            for teardown in self.teardown:
                try:
                    await teardown(request, failure)
                except Exception:
                    logger.exception(
                        "teardown_request hook failed on %s %s", request.method, request.path
                    )
        return response

    async def _before_and_call(self, request: Request, params: dict[str, Any]) -> Response:
        for hook in self.before:
            early = await hook(request)
            if early is not None:
                return to_response(early)
        return to_response(await self.call(request, params))

    def __repr__(self) -> str:
        return f"<Endpoint {self.name!r} {self.rule.pattern!r}>"
