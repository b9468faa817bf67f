"""Who is asking: the signed-in user of a request (by session, or by API token for the
JSON API), with the 401/403 answers and the login redirect of the admin pages."""

from __future__ import annotations

from urllib.parse import quote

from gobstopper import Request, abort
from sqlalchemy.ext.asyncio import AsyncSession

from cms.accounts import user_for_api_token
from cms.models import User
from cms.roles import Role

__all__ = [
    "SESSION_USER",
    "LoginRequired",
    "admin_user",
    "api_user",
    "bearer_token",
    "page_user",
    "session_user",
    "staff_user",
]

#: The session key holding the signed-in user's id.
SESSION_USER = "user_id"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cms"'}


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if there is one."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


async def session_user(request: Request, db: AsyncSession) -> User | None:
    """The active user signed in to this request's session."""
    user_id = request.session.get(SESSION_USER)
    user = await db.get(User, user_id) if isinstance(user_id, int) else None
    return user if user is not None and user.active else None


async def api_user(request: Request, db: AsyncSession) -> User:
    """The caller of an API endpoint, by API token or else by session; 401 without one."""
    token = bearer_token(request)
    user = await user_for_api_token(db, token) if token else await session_user(request, db)
    if user is None:
        abort(
            401, "sign in or send an API token (Authorization: Bearer <token>)", headers=_CHALLENGE
        )
    return user


class LoginRequired(Exception):
    """Raised for an admin page asked for without signing in; the site answers it with a
    redirect to the login page (see :meth:`cms.site.Site.install`)."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        #: Where to come back to after signing in (a path of this site).
        self.next = quote(target)


async def page_user(request: Request, db: AsyncSession) -> User:
    """The user of an admin page; without one, :class:`LoginRequired`."""
    user = await session_user(request, db)
    if user is None:
        raise LoginRequired(
            request.path + (f"?{request.query_string}" if request.query_string else "")
        )
    return user


async def staff_user(request: Request, db: AsyncSession) -> User:
    """The user of an admin page: 403 for viewers, who read the site and the API only."""
    user = await page_user(request, db)
    if user.role == Role.VIEWER:
        abort(403, "viewers cannot use the admin pages")
    return user


async def admin_user(request: Request, db: AsyncSession) -> User:
    """The user of a user-management page: 403 for anyone but admins."""
    user = await page_user(request, db)
    if user.role != Role.ADMIN:
        abort(403, "only admins manage users")
    return user
