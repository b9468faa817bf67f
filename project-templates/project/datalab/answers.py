"""The answers the data and model routes give besides their results, declared for the
OpenAPI document, so clients (and the project's fuzz tests) know every status to expect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from gobstopper.openapi import Refusal, declare_refusal

__all__ = ["MODEL_NOT_READY", "STORE_BUSY", "answers"]

F = TypeVar("F", bound=Callable[..., Any])

#: A model with no version to serve: still training, or its training failed.
MODEL_NOT_READY = Refusal(
    409, "Conflict: the model has no version to serve yet (training, or training failed)."
)
#: Another process kept the analytics database past ``APP_ANALYTICS_WAIT``.
STORE_BUSY = Refusal(
    503,
    "Service Unavailable: another process holds the analytics database; ask again.",
    headers={
        "Retry-After": {
            "description": "Seconds to wait before asking again.",
            "schema": {"type": "integer"},
        }
    },
)


def answers(*refusals: Refusal) -> Callable[[F], F]:
    """Declare ``refusals`` as answers of the decorated handler (under its route
    decorator), beside the ones its signature and guards already tell."""

    def decorator(view: F) -> F:
        for refusal in refusals:
            declare_refusal(view, refusal)
        return view

    return decorator
