"""What a session store does, and how session data is serialised."""

from __future__ import annotations

import abc
from typing import Any

import msgspec

__all__ = ["SessionStore", "decode_session", "encode_session"]

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(dict[str, Any]).decode


def encode_session(data: dict[str, Any]) -> bytes:
    """JSON bytes of ``data``; a value JSON cannot hold raises :class:`TypeError`."""
    try:
        return _encode(data)
    except (TypeError, msgspec.EncodeError) as error:
        raise TypeError(f"session values must be JSON-serialisable: {error}") from None


def decode_session(raw: bytes | str) -> dict[str, Any] | None:
    """The data stored in ``raw``, or ``None`` if it is corrupt (treated as no session)."""
    try:
        return _decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


class SessionStore(abc.ABC):
    """Where session data lives between requests, keyed by session id.

    Every store enforces expiry itself: :meth:`load` never returns data older than the
    ``ttl`` it was last saved or touched with. Stores backed by a service raise
    :class:`~gobstopper.backends.BackendUnavailable` (HTTP 503) when it is away.
    """

    @abc.abstractmethod
    async def load(self, session_id: str) -> dict[str, Any] | None:
        """The data of ``session_id``, or ``None`` if unknown or expired."""

    @abc.abstractmethod
    async def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        """Store ``data`` under ``session_id`` for ``ttl`` seconds."""

    @abc.abstractmethod
    async def delete(self, session_id: str) -> None:
        """Forget ``session_id`` (no error if unknown)."""

    async def touch(self, session_id: str, ttl: int) -> None:
        """Extend ``session_id``'s life to ``ttl`` seconds from now (rolling sessions)."""
        data = await self.load(session_id)
        if data is not None:
            await self.save(session_id, data, ttl)

    async def aclose(self) -> None:  # noqa: B027 - stores without connections need nothing
        """Release connections (register as a shutdown hook)."""
