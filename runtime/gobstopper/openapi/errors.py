"""The error answers Gobstopper itself gives, as OpenAPI responses.

Errors are JSON for clients that ask for JSON and a small HTML page otherwise (see
:mod:`gobstopper.http.error_pages`); both are documented. The JSON body is
:class:`HTTPError`; a 422 carries a :class:`ValidationDetail` naming the field.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import msgspec

from .markers import Refusal
from .schemas import Schemas

__all__ = [
    "FRAMEWORK_ERRORS",
    "HTTPError",
    "ValidationDetail",
    "ValidationError",
    "error_responses",
    "refusal_response",
]


class ValidationDetail(msgspec.Struct):
    """Which value did not fit, and why."""

    #: The field's path in the body (``user.age``) or the query parameter's name; ``null``
    #: when no single field is to blame: the whole body is of the wrong type, or the
    #: application answered ``abort(422, message)`` without naming one.
    field: str | None
    message: str


class HTTPError(msgspec.Struct):
    """An error answered by the framework, or raised by the application with abort()."""

    #: The status's reason phrase.
    error: str
    status: int
    message: str
    detail: Any = msgspec.UNSET


class ValidationError(msgspec.Struct):
    """A value of the wrong type or shape (422)."""

    error: str
    status: int
    message: str
    detail: ValidationDetail


#: Status → (component name, description) of the errors raised before a handler runs.
FRAMEWORK_ERRORS: Mapping[int, tuple[str, str]] = {
    400: (
        "BadRequest",
        "Bad Request: the body is not valid JSON (malformed, empty or nested too deeply).",
    ),
    404: (
        "NotFound",
        "Not Found: nothing is served at this path (a path parameter does not fit its type).",
    ),
    413: ("ContentTooLarge", "Content Too Large: the body is larger than the application accepts."),
    415: (
        "UnsupportedMediaType",
        "Unsupported Media Type: the body is not sent as `application/json`.",
    ),
    422: (
        "UnprocessableContent",
        "Unprocessable Content: a value does not fit its declared type; `detail` names it.",
    ),
}


def _content(schemas: Schemas, body: type[msgspec.Struct]) -> dict[str, Any]:
    return {
        "application/json": {"schema": schemas.of(body)},
        "text/html": {"schema": {"type": "string"}},
    }


def error_responses(schemas: Schemas, statuses: list[int]) -> dict[str, Any]:
    """``components/responses`` for the framework errors of ``statuses``, by name."""
    return {
        FRAMEWORK_ERRORS[status][0]: {
            "description": FRAMEWORK_ERRORS[status][1],
            "content": _content(schemas, ValidationError if status == 422 else HTTPError),
        }
        for status in sorted(set(statuses))
    }


def refusal_response(schemas: Schemas, refusal: Refusal) -> dict[str, Any]:
    """The response object of a declared refusal."""
    response: dict[str, Any] = {
        "description": refusal.description,
        "content": _content(schemas, HTTPError),
    }
    if refusal.headers:
        response["headers"] = copy.deepcopy(dict(refusal.headers))
    return response
