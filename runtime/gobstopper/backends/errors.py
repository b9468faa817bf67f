"""The error raised when a backing service cannot be reached."""

from __future__ import annotations

from ..http.errors import HTTPException

__all__ = ["BackendUnavailable"]


class BackendUnavailable(HTTPException):
    """A backing service (Redis, PostgreSQL) did not answer: the request gets a 503 with
    ``Retry-After`` instead of hanging or failing with a 500. The cause is chained."""

    def __init__(self, service: str, retry_after: int = 5) -> None:
        super().__init__(
            503,
            f"{service} is unavailable right now; please retry shortly.",
            headers={"Retry-After": str(retry_after)},
        )
        self.service = service
