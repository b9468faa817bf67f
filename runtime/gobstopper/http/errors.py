"""HTTP errors: :class:`HTTPException` and :func:`abort`.

Raise (or ``abort``) anywhere during a request; the application turns the exception into
a response — JSON for JSON clients, a small HTML page otherwise — unless an error handler
registered with ``@app.errorhandler`` answers first.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, NoReturn

__all__ = ["HTTPException", "abort", "status_phrase"]


_PHRASES = {status.value: status.phrase for status in HTTPStatus}


def status_phrase(status: int) -> str:
    """Return the reason phrase of ``status`` ("Not Found"), or "Error" when unknown."""
    return _PHRASES.get(status, "Error")


class HTTPException(Exception):
    """An error that maps to an HTTP status code.

    ``description`` is shown to the client; ``headers`` are added to the error response
    (``Allow`` on a 405, ``Retry-After`` on a 429); ``detail`` carries structured data for
    JSON clients, such as the field path of a validation error. A 422 always has one: the
    application's ``abort(422, "title must not be blank")`` gets
    ``{"field": None, "message": description}``, the shape of the framework's own 422s
    (whose ``field`` names the value), so clients and the OpenAPI document see one shape.
    """

    def __init__(
        self,
        status: int,
        description: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        detail: Any = None,
    ) -> None:
        if not 400 <= status <= 599:
            raise ValueError(f"HTTPException status must be 4xx or 5xx, got {status}")
        self.status = status
        self.description = description or status_phrase(status)
        self.headers = headers or {}
        if status == 422 and detail is None:
            detail = {"field": None, "message": self.description}
        self.detail = detail
        super().__init__(status, self.description)

    @property
    def name(self) -> str:
        """The reason phrase of the status ("Not Found")."""
        return status_phrase(self.status)

    def __repr__(self) -> str:
        return f"HTTPException({self.status}, {self.description!r})"


def abort(status: int, description: str | None = None, **kwargs: Any) -> NoReturn:
    """Stop handling the request and answer with ``status``.

    >>> @app.get("/users/<int:user_id>")
    ... async def show(user_id: int):
    ...     if user_id not in USERS:
    ...         abort(404, "no such user")
    ...     return USERS[user_id]
    """
    raise HTTPException(status, description, **kwargs)
