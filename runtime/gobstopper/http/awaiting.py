"""Errors that name the ``await`` a caller forgot.

Several of Gobstopper's APIs can only be awaited (``request.get_json()``,
``app.render_template()``...). Called without ``await`` they hand back a coroutine, which
fails later and far away: in the JSON encoder, or when the code indexes it. These helpers
turn that failure into a message that says which call needs ``await``.
"""

from __future__ import annotations

import inspect
from collections.abc import Coroutine
from typing import Any

__all__ = ["add_await_hint", "explain_unencodable", "not_awaited"]


def not_awaited(coroutine: Coroutine[Any, Any, Any]) -> str:
    """Explain a coroutine found where its result was meant (and close it, so Python
    adds no "never awaited" warning to the error that names the fix)."""
    name: str = getattr(coroutine, "__qualname__", type(coroutine).__name__)
    coroutine.close()
    return (
        f"{name}() was called without await, so a coroutine reached the response instead of "
        f"its result: write `await {_call_site(name)}(...)`"
    )


def _call_site(qualname: str) -> str:
    owner, _, method = qualname.rpartition(".")
    return f"{owner.lower()}.{method}" if owner and "<" not in owner else qualname


def explain_unencodable(value: Any) -> Any:
    """msgspec's ``enc_hook``: a coroutine in a JSON body gets an error naming the
    missing ``await``; any other unsupported value, msgspec's own wording."""
    if inspect.iscoroutine(value):
        raise TypeError(not_awaited(value))
    raise TypeError(f"Encoding objects of type {type(value).__name__} is unsupported")


def add_await_hint(error: BaseException) -> None:
    """Note on ``error`` (shown with its traceback) that a coroutine was used as a value,
    when that is what Python complains of: ``'coroutine' object is not subscriptable``."""
    if isinstance(error, (TypeError, AttributeError)) and "'coroutine' object" in str(error):
        add_note = getattr(error, "add_note", None)  # Python 3.11+
        if add_note is not None:
            add_note(
                "hint: a coroutine was used as a value; a call that must be awaited was made "
                "without await (request.get_json(), get_data(), get_form(), get_files(), "
                "app.render_template()...): write `data = await request.get_json()`"
            )
