"""What decorators tell the OpenAPI document about a handler, beyond its signature.

A decorator that may answer instead of the handler — a guard, a rate limit — declares
that answer as a :class:`Refusal` on the view function; the document then lists it among
the operation's responses, and a refusal that names security schemes makes the operation
require them. :func:`exclude_from_schema` keeps a route out of the document.

>>> def api_key_required(view):
...     add_call_wrapper(view, check_api_key)
...     declare_refusal(view, unauthorized({"apiKey": {"type": "apiKey", "in": "header",
...                                                    "name": "X-API-Key"}}))
...     return view
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar

__all__ = [
    "TOO_MANY_REQUESTS",
    "Refusal",
    "declare_refusal",
    "exclude_from_schema",
    "is_excluded",
    "refusals",
    "unauthorized",
]

F = TypeVar("F", bound=Callable[..., Any])


class Refusal(NamedTuple):
    """An answer given instead of calling the handler.

    ``security`` maps security scheme names to their OpenAPI Security Scheme Objects;
    the request passes with any one of them. ``headers`` maps the names of headers sent
    with the refusal to OpenAPI Header Objects.
    """

    status: int
    description: str
    security: Mapping[str, Mapping[str, Any]] | None = None
    headers: Mapping[str, Mapping[str, Any]] | None = None


def unauthorized(security: Mapping[str, Mapping[str, Any]]) -> Refusal:
    """The 401 of a guard that admits requests carrying one of ``security``'s schemes.

    >>> unauthorized({"bearerAuth": {"type": "http", "scheme": "bearer"}})
    """
    if not security:
        raise ValueError("a guard's security needs at least one scheme")
    return Refusal(401, "Unauthorized: the request does not carry valid credentials.", security)


def _integer_header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "integer"}}


#: The 429 of :func:`gobstopper.utils.rate_limiter.rate_limit`, with the headers it sends.
TOO_MANY_REQUESTS = Refusal(
    429,
    "Too Many Requests: this client has used up its budget; retry after `Retry-After`.",
    headers={
        "Retry-After": _integer_header("Seconds until the request could pass."),
        "RateLimit-Limit": _integer_header("Requests allowed in a burst."),
        "RateLimit-Remaining": _integer_header("Requests left in the current budget."),
        "RateLimit-Reset": _integer_header("Seconds until the budget is full again."),
    },
)


def declare_refusal(view: Callable[..., Any], refusal: Refusal) -> None:
    """Record that ``view``'s route may answer ``refusal`` before the handler runs."""
    declared: tuple[Refusal, ...] = getattr(view, "__gobstopper_refusals__", ())
    view.__gobstopper_refusals__ = (*declared, refusal)  # type: ignore[attr-defined]


def refusals(view: Callable[..., Any]) -> tuple[Refusal, ...]:
    """The refusals declared on ``view``, in the order they were declared."""
    declared: tuple[Refusal, ...] = getattr(view, "__gobstopper_refusals__", ())
    return declared


def exclude_from_schema(view: F) -> F:
    """Leave the decorated handler's route out of the OpenAPI document.

    >>> @app.get("/internal/health")
    ... @exclude_from_schema
    ... async def health():
    ...     return {"ok": True}
    """
    view.__gobstopper_openapi_exclude__ = True  # type: ignore[attr-defined]
    return view


def is_excluded(view: Callable[..., Any]) -> bool:
    """Whether ``view`` was left out with :func:`exclude_from_schema`."""
    return getattr(view, "__gobstopper_openapi_exclude__", False) is True
