"""The middleware that gives each request its :class:`Session`.

>>> app.add_middleware(SessionMiddleware(RedisSessionStore("redis://127.0.0.1:6379/0")))
>>> @app.get("/visits")
... async def visits(request: Request):
...     request.session["n"] = request.session.get("n", 0) + 1
...     return {"visits": request.session["n"]}

The cookie holds only a random session id (256 bits) and its HMAC signature under the
application's secret key. A cookie that is unsigned, tampered with, truncated, oversized
or names a session the store no longer has yields a fresh empty session — never an error,
never someone else's data — and the id a client sends is never adopted for a new session
(no session fixation). Requests without the cookie never touch the store; a session is
written back only when it changed (or on every request with ``rolling=True``).

After a change of secret key, a cookie signed with one of the fallback keys still opens
its session, and the response signs it again with the current key.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..http.cookies import SameSite
from ..http.errors import HTTPException
from ..security.signing import Signer
from .base import SessionStore
from .memory import MemorySessionStore
from .session import Session

if TYPE_CHECKING:
    from ..app import Gobstopper
    from ..http.request import Request
    from ..http.response import Response
    from ..middleware.base import CallNext, WebSocketNext
    from ..websocket.connection import WebSocket

__all__ = ["SessionMiddleware"]

_TWO_WEEKS = 14 * 24 * 3600


class SessionMiddleware:
    """Load the session before the handler and save it after.

    :param store: where sessions live (default: :class:`MemorySessionStore`).
    :param secret_key: signs the cookie; default the application's ``secret_key``.
    :param secret_key_fallbacks: earlier keys of ``secret_key`` whose cookies still
        open their sessions (with the application's key, its own fallbacks apply).
    :param max_age: seconds a session lives after it was last saved (or, with
        ``rolling``, last used); also the cookie's ``Max-Age``.
    :param rolling: extend the session on every request, not only when it changes.
    :param secure: the cookie's ``Secure`` flag; by default set in production.
    """

    def __init__(
        self,
        store: SessionStore | None = None,
        *,
        secret_key: str | None = None,
        secret_key_fallbacks: Iterable[str] = (),
        cookie_name: str = "session",
        max_age: int = _TWO_WEEKS,
        rolling: bool = False,
        path: str = "/",
        domain: str | None = None,
        secure: bool | None = None,
        samesite: SameSite = "lax",
    ) -> None:
        if max_age <= 0:
            raise ValueError("max_age must be a positive number of seconds")
        self.store = store if store is not None else MemorySessionStore()
        self.secret_key = secret_key
        self.cookie_name = cookie_name
        self.max_age = max_age
        self.rolling = rolling
        self.path = path
        self.domain = domain
        self.secure = secure
        self.samesite = samesite
        self._own_signer = (
            None
            if secret_key is None
            else Signer(secret_key, "session", fallbacks=secret_key_fallbacks)
        )

    def signer(self, app: Gobstopper) -> Signer:
        """The signer for session cookies: this middleware's key, else the app's."""
        return self._own_signer or app.signer("session")

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        session = await self.load(request)
        request.bind_session(session)
        response = await call_next(request)
        await self.commit(request, session, response)
        return response

    async def websocket(self, websocket: WebSocket, call_next: WebSocketNext) -> None:
        """Give a WebSocket connection the session of its upgrade request (read once, when
        it connects: no cookie can be set afterwards, so changes are not saved). An
        unavailable store refuses the upgrade with its status (503)."""
        try:
            session = await self.load(websocket.request)
        except HTTPException as error:
            websocket.refuse(error.status)
            return
        websocket.request.bind_session(session)
        await call_next(websocket)

    async def load(self, request: Request) -> Session:
        """The session the request's cookie names, or a new empty one. A session whose
        cookie an old key signed is marked modified, so its cookie is signed again."""
        cookie = request.cookies.get(self.cookie_name)
        if cookie:
            verified = self.signer(request.app).verify(cookie)
            if verified is not None:
                data = await self.store.load(verified.value)
                if data is not None:
                    session = Session(data, verified.value)
                    session.modified = verified.stale
                    return session
        return Session()

    async def commit(self, request: Request, session: Session, response: Response) -> None:
        """Save, extend or delete the session and set the cookie to match."""
        if not session.modified:
            if self.rolling and session.id is not None:
                await self.store.touch(session.id, self.max_age)
                self._set_cookie(request, response, session.id)
            return
        old_id = session.id
        if session.invalidated or not session:
            if old_id is not None:
                await self.store.delete(old_id)
            if self.cookie_name in request.cookies:
                response.delete_cookie(self.cookie_name, path=self.path, domain=self.domain)
            return
        if old_id is None or session.new_id_requested:
            session_id = session.id = secrets.token_urlsafe(32)
        else:
            session_id = old_id
        await self.store.save(session_id, session.to_dict(), self.max_age)
        if old_id is not None and old_id != session_id:
            await self.store.delete(old_id)
        self._set_cookie(request, response, session_id)

    def _set_cookie(self, request: Request, response: Response, session_id: str) -> None:
        response.set_cookie(
            self.cookie_name,
            self.signer(request.app).sign(session_id),
            max_age=self.max_age,
            path=self.path,
            domain=self.domain,
            secure=self.secure,
            httponly=True,
            samesite=self.samesite,
        )
