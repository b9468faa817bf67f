"""Sessions in this process's memory: the default for one worker and for tests."""

from __future__ import annotations

import time
from typing import Any

from .base import SessionStore, decode_session, encode_session

__all__ = ["MemorySessionStore"]


class MemorySessionStore(SessionStore):
    """Sessions held in a dict; lost on restart and not shared between workers.

    Data is stored serialised, so a handler changing a loaded value never changes the
    stored copy behind the session's back. Expired entries are swept at most once per
    ``sweep_interval`` seconds.
    """

    def __init__(self, *, sweep_interval: float = 60.0) -> None:
        self._entries: dict[str, tuple[float, bytes]] = {}
        self._sweep_interval = sweep_interval
        self._next_sweep = time.monotonic() + sweep_interval

    async def load(self, session_id: str) -> dict[str, Any] | None:
        entry = self._entries.get(session_id)
        if entry is None:
            return None
        expires, raw = entry
        if expires <= time.monotonic():
            del self._entries[session_id]
            return None
        return decode_session(raw)

    async def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        now = time.monotonic()
        self._entries[session_id] = (now + ttl, encode_session(data))
        if now >= self._next_sweep:
            self._next_sweep = now + self._sweep_interval
            for key in [k for k, (expires, _) in self._entries.items() if expires <= now]:
                del self._entries[key]

    async def delete(self, session_id: str) -> None:
        self._entries.pop(session_id, None)

    async def touch(self, session_id: str, ttl: int) -> None:
        entry = self._entries.get(session_id)
        if entry is not None:
            self._entries[session_id] = (time.monotonic() + ttl, entry[1])

    def __len__(self) -> int:
        return len(self._entries)
