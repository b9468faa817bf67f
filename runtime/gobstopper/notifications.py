"""Flash notifications: messages shown once, on the next page the user sees.

>>> @app.post("/profile")
... async def save_profile(request: Request):
...     ...
...     notification(request, "Profile saved", "success")
...     return redirect(url_for("profile"))

and in the template::

    {% for category, message in get_notifications(with_categories=true) %}
      <p class="{{ category }}">{{ message }}</p>
    {% endfor %}

With a :class:`~gobstopper.sessions.SessionMiddleware` they live in the session.
Without one they travel in a cookie signed with the application's secret key, so they
work in any application; a tampered or unreadable cookie just shows no notifications.

Taking them is idempotent within a request, as Flask's ``get_flashed_messages`` is: the
first :func:`get_notifications` takes them from the queue and the request remembers them,
so a later call in the same request (a layout and its page both asking, or a template
whose render is abandoned and started again: see :mod:`gobstopper.templating_sync`) shows
the same messages again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import msgspec

from .security import b64

if TYPE_CHECKING:
    from .http.request import Request
    from .http.response import Response
    from .security.signing import Signer

__all__ = ["get_notifications", "notification"]

logger = logging.getLogger("gobstopper")

COOKIE_NAME = "notifications"
_SESSION_KEY = "_notifications"
_COOKIE_LIMIT = 3800  # bytes; browsers keep cookies of up to 4096 with the name
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(list[tuple[str, str]]).decode


def notification(request: Request, message: str, category: str = "info") -> None:
    """Queue ``message`` for the next page this client sees."""
    if request.has_session:
        session = request.session
        session[_SESSION_KEY] = [*session.get(_SESSION_KEY, ()), (category, str(message))]
        return
    box = _cookie_box(request)
    box.pending.append((category, str(message)))
    box.dirty = True


def get_notifications(
    request: Request, with_categories: bool = False, category_filter: tuple[str, ...] = ()
) -> list[Any]:
    """The notifications for this page: messages, or ``(category, message)`` pairs with
    ``with_categories``; ``category_filter`` keeps only those categories.

    The first call in a request takes the queued notifications (of ``category_filter``'s
    categories, the others staying queued) and the request remembers them; every later call
    in the same request returns what this request took that matches its filter, plus what
    it takes from the queue now. So a message queued after a take is shown by the next take:
    later in this request, or on the next one.
    """
    if request.has_session:
        session = request.session
        queued = [tuple(item) for item in session.get(_SESSION_KEY, ())]
        taken, kept = _split(queued, category_filter)
        if taken:
            if kept:
                session[_SESSION_KEY] = kept
            else:
                del session[_SESSION_KEY]
    else:
        box = _cookie_box(request)
        taken, box.pending = _split(box.pending, category_filter)
        box.dirty = box.dirty or bool(taken)
    shown = _taken_by(request)
    shown.extend(taken)
    if category_filter:
        shown = [item for item in shown if item[0] in category_filter]
    if with_categories:
        return list(shown)
    return [message for _, message in shown]


def _taken_by(request: Request) -> list[tuple[str, str]]:
    """What ``request`` has taken from the queue so far (kept in its ``state``, which only
    requests that use notifications create)."""
    state = request.state
    taken: list[tuple[str, str]] | None = getattr(state, "_gobstopper_notifications_taken", None)
    if taken is None:
        taken = state._gobstopper_notifications_taken = []
    return taken


def _split(
    queued: list[Any], categories: tuple[str, ...]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    if not categories:
        return list(queued), []
    taken = [item for item in queued if item[0] in categories]
    return taken, [item for item in queued if item[0] not in categories]


class _CookieBox:
    """One request's notifications in an application without sessions: read from the
    signed cookie, written back to it if they changed."""

    __slots__ = ("dirty", "pending", "signer")

    signer: Signer

    def __init__(self, request: Request) -> None:
        self.signer = request.app.signer("notifications")
        self.pending = self._read(request.cookies.get(COOKIE_NAME))
        self.dirty = False

    def _read(self, cookie: str | None) -> list[tuple[str, str]]:
        if not cookie:
            return []
        payload = self.signer.unsign(cookie)
        if payload is None:
            return []
        try:
            return _decode(b64.decode(payload))
        except (ValueError, msgspec.DecodeError, msgspec.ValidationError):
            return []

    def write(self, response: Response) -> Response:
        if not self.dirty:
            return response
        while self.pending:
            payload = b64.encode(_encode(self.pending))
            value = self.signer.sign(payload)
            if len(value) <= _COOKIE_LIMIT:
                response.set_cookie(COOKIE_NAME, value)
                return response
            logger.warning("notifications exceed one cookie: dropping the oldest")
            self.pending.pop(0)
        response.delete_cookie(COOKIE_NAME)
        return response


def _cookie_box(request: Request) -> _CookieBox:
    state = request.state
    box = getattr(state, "_gobstopper_notifications", None)
    if box is None:
        box = state._gobstopper_notifications = _CookieBox(request)
        request.after_this_request(box.write)
    return box
