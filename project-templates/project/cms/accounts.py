"""Accounts: creating users, logging in, passwords, reset and invitation tokens, API
tokens. Every function takes an open database session."""

from __future__ import annotations

import re
from datetime import timedelta

from gobstopper import abort
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cms.models import ApiToken, ResetToken, User, as_utc, utcnow
from cms.passwords import MIN_PASSWORD_LENGTH, digest, hash_password, new_token, verify_password
from cms.roles import ROLES

__all__ = [
    "RESET_LIFETIME",
    "authenticate",
    "change_password",
    "create_user",
    "issue_api_token",
    "issue_reset_token",
    "list_users",
    "reset_password",
    "user_for_api_token",
]

RESET_LIFETIME = timedelta(hours=24)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        abort(422, f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


async def create_user(
    db: AsyncSession, email: str, name: str, role: str, password: str | None = None
) -> User:
    """A new user; without ``password`` the account waits for its invitation link.
    422 for a malformed e-mail, role or short password, 409 when the e-mail is taken."""
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        abort(422, f"{email!r} is not an e-mail address")
    if role not in ROLES:
        abort(422, f"role must be one of {', '.join(ROLES)}")
    if password is not None:
        _check_password(password)
    if await db.scalar(select(User.id).where(User.email == email)) is not None:
        abort(409, f"a user with the e-mail {email} exists already")
    user = User(
        email=email,
        name=name.strip()[:120] or email.partition("@")[0],
        role=role,
        password_hash=None if password is None else hash_password(password),
        active=True,
    )
    db.add(user)
    await db.flush()
    return user


async def authenticate(db: AsyncSession, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or ``None``."""
    user = await db.scalar(select(User).where(User.email == email.strip().lower()))
    matched = verify_password(user.password_hash if user else None, password)
    return user if user is not None and user.active and matched else None


async def change_password(db: AsyncSession, user: User, current: str, new: str) -> None:
    """Set ``new`` after checking ``current`` (403 when it is wrong)."""
    if not verify_password(user.password_hash, current):
        abort(403, "the current password is not right")
    _check_password(new)
    user.password_hash = hash_password(new)
    db.add(user)


async def issue_reset_token(db: AsyncSession, user: User) -> str:
    """A one-time token that sets ``user``'s password (reset link or invitation)."""
    token = new_token()
    db.add(
        ResetToken(
            digest=digest(token), user_id=user.id, expires_at=utcnow() + RESET_LIFETIME, used=False
        )
    )
    await db.flush()
    return token


async def reset_password(db: AsyncSession, token: str, password: str) -> User:
    """Set the password of the token's user; 400 for an unknown, used or expired token."""
    _check_password(password)
    stored = await db.get(ResetToken, digest(token))
    if stored is None or stored.used or as_utc(stored.expires_at) < utcnow():
        abort(400, "this link is not valid any more: ask for a new one")
    user = await db.get(User, stored.user_id)
    assert user is not None
    stored.used = True
    user.password_hash = hash_password(password)
    return user


async def issue_api_token(db: AsyncSession, user: User, name: str) -> str:
    """A new API token for ``user``, shown once (only its digest is kept)."""
    token = new_token()
    db.add(ApiToken(user_id=user.id, digest=digest(token), name=name.strip()[:120] or "api"))
    await db.flush()
    return token


async def user_for_api_token(db: AsyncSession, token: str) -> User | None:
    """The active user this API token belongs to."""
    query = select(User).join(ApiToken, ApiToken.user_id == User.id)
    user = await db.scalar(query.where(ApiToken.digest == digest(token)))
    return user if user is not None and user.active else None


async def list_users(db: AsyncSession) -> list[User]:
    """Every user, by e-mail."""
    return list(await db.scalars(select(User).order_by(func.lower(User.email))))
