"""The per-route call plan: what a handler's signature asks for, worked out once.

At registration each parameter is classified — the request, a path parameter, a typed
JSON body, or a query argument — and a small async function is built that fetches exactly
those values for each request. Nothing about the signature is inspected per request.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from .concurrency import as_async
from .http.errors import HTTPException
from .http.jsonbody import decode_json, decoder_for
from .http.request import Request, disconnected
from .routing.router import Rule

__all__ = ["DirectCall", "HandlerCall", "add_call_wrapper", "compile_call", "is_sequence"]

HandlerCall = Callable[[Request, dict[str, Any]], Awaitable[Any]]

_SEQUENCE_ORIGINS = (list, tuple, set, frozenset)


def add_call_wrapper(view: Any, wrap: Callable[[HandlerCall], HandlerCall]) -> None:
    """Have ``wrap`` wrap the compiled call of handler ``view`` (its arguments not yet
    read), as guards and rate limits do; wrappers added later run further inside."""
    view.__gobstopper_call_wrappers__ = [*getattr(view, "__gobstopper_call_wrappers__", ()), wrap]


def _is_body_type(annotation: Any) -> bool:
    return inspect.isclass(annotation) and (
        issubclass(annotation, msgspec.Struct) or dataclasses.is_dataclass(annotation)
    )


def _is_request(func: Callable[..., Any], name: str, annotation: Any) -> bool:
    """Annotated ``Request`` (any name), or a parameter named ``request`` with no
    annotation (the Flask-like ``async def view(request):``)."""
    if annotation is inspect.Parameter.empty or annotation is Any:
        return name == "request"
    if inspect.isclass(annotation) and issubclass(annotation, Request):
        return True
    if name == "request" and not isinstance(annotation, str):
        raise TypeError(
            f"{func.__qualname__}: parameter 'request' is annotated {annotation!r}; annotate "
            "it Request (or leave it unannotated) to receive the request, or rename it to "
            "read a query argument"
        )
    return False


class _Missing:
    pass


_MISSING: Any = _Missing()


def _path_converter(name: str, annotation: Any) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        try:
            return msgspec.convert(value, annotation, strict=False)
        except msgspec.ValidationError:
            raise HTTPException(404, f"Invalid value for path parameter `{name}`.") from None

    return convert


def is_sequence(annotation: Any) -> bool:
    """Whether a query parameter so annotated reads every value of its name:
    ``list[str]``, ``tuple[int, ...]``, also inside ``Optional``/unions."""
    origin = typing.get_origin(annotation)
    if origin in _SEQUENCE_ORIGINS:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(is_sequence(arg) for arg in typing.get_args(annotation))
    return False


def _query_reader(name: str, annotation: Any, default: Any) -> Callable[[Request], Any]:
    target = Any if annotation is inspect.Parameter.empty else annotation
    many = is_sequence(target)

    def read(request: Request) -> Any:
        args = request.args
        if many:
            raw: Any = args.getlist(name)
            present = bool(raw)
        else:
            raw = args.get(name)
            present = raw is not None
        if not present:
            if default is _MISSING:
                raise HTTPException(
                    422,
                    f"Missing required query parameter `{name}`.",
                    detail={"field": name, "message": "missing"},
                )
            return default
        try:
            return msgspec.convert(raw, target, strict=False)
        except msgspec.ValidationError as error:
            message = str(error).partition(" - at ")[0]
            raise HTTPException(
                422,
                f"Invalid query parameter `{name}`: {message}",
                detail={"field": name, "message": message},
            ) from None

    return read


def compile_call(func: Callable[..., Any], rule: Rule, *, resolved: bool = True) -> HandlerCall:
    """Build ``call(request, path_params)`` for ``func`` on ``rule``.

    Raises :class:`TypeError` when the signature cannot be served: a path parameter the
    handler does not accept, two body parameters, the request asked twice. With
    ``resolved`` (at startup) an annotation that names something undefined is refused
    too; at registration (``resolved=False``) it may still be defined later in the module.
    """
    signature = inspect.signature(func)
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception as error:
        if resolved:
            raise TypeError(
                f"{func.__qualname__}: its annotations cannot be resolved ({error}); import "
                "what they name at module level"
            ) from error
        hints = {}
    accepts_any_kwargs = any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()
    )
    request_name: str | None = None
    body: tuple[str, Any] | None = None
    path_plain: list[str] = []
    path_typed: dict[str, Callable[[Any], Any]] = {}
    queries: dict[str, Callable[[Request], Any]] = {}
    for name, parameter in signature.parameters.items():
        if parameter.kind in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL):
            continue
        annotation = hints.get(name, parameter.annotation)
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY and not (
            name not in rule.converters and _is_request(func, name, annotation)
        ):
            raise TypeError(
                f"{func.__qualname__}: parameter {name!r} is positional-only; path, query "
                "and body values are passed by name, so remove the '/' after it"
            )
        if name in rule.converters:
            produced = rule.converters[name].python_type
            if annotation in (inspect.Parameter.empty, Any, produced):
                path_plain.append(name)
            else:
                path_typed[name] = _path_converter(name, annotation)
        elif _is_request(func, name, annotation):
            if request_name is not None:
                raise TypeError(
                    f"{func.__qualname__} asks for the request twice ({request_name!r} and "
                    f"{name!r}); keep one"
                )
            request_name = name
        elif _is_body_type(annotation):
            if body is not None:
                raise TypeError(
                    f"{func.__qualname__} declares two body parameters ({body[0]!r} and "
                    f"{name!r}); a request has one JSON body"
                )
            body = (name, annotation)
        else:
            default = (
                _MISSING if parameter.default is inspect.Parameter.empty else parameter.default
            )
            queries[name] = _query_reader(name, annotation, default)
    unused = [n for n in rule.param_names if n not in path_plain and n not in path_typed]
    if unused and not accepts_any_kwargs:
        raise TypeError(
            f"{func.__qualname__} does not accept path parameter(s) {unused} of route "
            f"{rule.pattern!r}; add them to its signature"
        )
    target = as_async(func)
    simple = not (body or path_typed or queries)
    if simple and request_name is None:
        return DirectCall(target, False, _positional(func, rule.param_names, 0))
    request_first = request_name is not None and request_name == next(
        iter(signature.parameters), None
    )
    if simple and request_first:
        return DirectCall(target, True, _positional(func, rule.param_names, 1))
    # The body is all the handler takes, and it may take it by position.
    body_alone = body is not None and _positional(func, (body[0],), 0) is not None
    return _call_general(target, request_name, request_first, body, path_typed, queries, body_alone)


def _positional(
    func: Callable[..., Any], names: tuple[str, ...], skip: int
) -> tuple[str, ...] | None:
    """``names`` in the order ``func`` declares them, when its parameters after the first
    ``skip`` are exactly those and each may be passed by position; else None.

    ``func``'s own signature decides, not that of a function it wraps: a decorator's
    ``wrapper(**kwargs)`` copies the signature of what it wraps (``functools.wraps``) but
    takes keywords only.
    """
    parameters = list(inspect.signature(func, follow_wrapped=False).parameters.values())[skip:]
    if sorted(p.name for p in parameters) != sorted(names) or any(
        p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters
    ):
        return None
    return tuple(p.name for p in parameters)


class DirectCall:
    """The call plan of a handler that takes only path parameters, and perhaps the request
    first: the application calls :attr:`target` itself for it, a frame less per request.

    :attr:`positional` names the path parameters in the handler's order when it may be
    called with their values by position, which costs less than by keyword.
    """

    __slots__ = ("passes_request", "positional", "target")

    def __init__(
        self,
        target: Callable[..., Awaitable[Any]],
        passes_request: bool,
        positional: tuple[str, ...] | None = None,
    ) -> None:
        self.target = target
        self.passes_request = passes_request
        self.positional = positional

    def __call__(self, request: Request, params: dict[str, Any]) -> Awaitable[Any]:
        if self.passes_request:
            return self.target(request, **params)
        return self.target(**params)


def _call_general(
    target: Callable[..., Awaitable[Any]],
    request_name: str | None,
    request_first: bool,
    body: tuple[str, Any] | None,
    path_typed: dict[str, Callable[[Any], Any]],
    queries: dict[str, Callable[[Request], Any]],
    body_alone: bool,
) -> HandlerCall:
    """The call plan of any other handler. One that takes a JSON body and otherwise only
    the path parameters as routed (and perhaps the request first) is marked with
    ``direct_body``, ``(target, body name, decoder, request first)``, which lets the Rust
    dispatcher read and decode the usual body itself (see :mod:`gobstopper.dispatch`),
    and ``body_alone``, whether the handler takes that body alone, by position."""
    typed_items = tuple(path_typed.items())
    query_items = tuple(queries.items())
    body_name = body[0] if body is not None else ""
    body_decoder = decoder_for(body[1]) if body is not None else None

    async def call(request: Request, params: dict[str, Any]) -> Any:
        kwargs = dict(params)
        for name, convert in typed_items:
            kwargs[name] = convert(kwargs[name])
        for name, read in query_items:
            kwargs[name] = read(request)
        if request_name is not None and not request_first:
            kwargs[request_name] = request
        if body_decoder is not None:
            if request.scope.headers.get("content-type") != "application/json":
                request.require_json()  # the usual header passes inline, a frame less
            raw = request.cached_body
            protocol = request.protocol
            if raw is None and protocol is not None:
                # Awaiting the protocol here rather than through request.body() keeps the
                # await chain short: a suspended read resumes through every frame above it.
                if request.declared_length() is None:
                    raw = await request.body()
                else:
                    try:
                        raw = await protocol()
                    except Exception as error:
                        raise disconnected() from error
                    request.cached_body = raw
            # Request.max_json_depth, inlined.
            depth = request._max_json_depth
            if depth is None:
                depth = request.app.settings.json_max_depth
            kwargs[body_name] = decode_json(raw or b"", body_decoder, depth)
        if request_first:
            return await target(request, **kwargs)
        return await target(**kwargs)

    body_only = body_decoder is not None and not (typed_items or query_items)
    if body_only and (request_name is None or request_first):
        call.direct_body = (target, body_name, body_decoder, request_first)  # type: ignore[attr-defined]
        call.body_alone = body_alone  # type: ignore[attr-defined]
    return call
