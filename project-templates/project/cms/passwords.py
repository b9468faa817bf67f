"""Password hashing with Argon2id (argon2-cffi), and the random tokens the CMS hands out."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["MIN_PASSWORD_LENGTH", "digest", "hash_password", "new_token", "verify_password"]

MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
#: Verified against when an account does not exist, so both answers take as long.
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """The Argon2id hash to store for ``password``."""
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (``None``: no password set, never matches)."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A random URL-safe token (API tokens, reset and invitation links)."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What is stored for ``token``: its SHA-256, so a database leak leaks no token."""
    return hashlib.sha256(token.encode()).hexdigest()
