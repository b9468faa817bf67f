"""Sessions in files: survive restarts and are shared by the workers of one machine."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from .base import SessionStore, decode_session, encode_session

__all__ = ["FileSessionStore"]


class FileSessionStore(SessionStore):
    """One file per session in ``directory`` (created if missing, mode 0700).

    Files are named by a hash of the session id, so a directory listing reveals no usable
    id; each write goes to a temporary file renamed into place, so a reader in another
    worker sees the old or the new data, never half of it. Expired files are removed at
    most once per ``cleanup_interval`` seconds.
    """

    def __init__(self, directory: str | os.PathLike[str], *, cleanup_interval: float = 300.0):
        self.directory = Path(directory)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._cleanup_interval = cleanup_interval
        self._next_cleanup = time.monotonic() + cleanup_interval

    def _path(self, session_id: str) -> Path:
        return self.directory / f"{hashlib.sha256(session_id.encode()).hexdigest()}.session"

    async def load(self, session_id: str) -> dict[str, Any] | None:
        return await asyncio.to_thread(self._read, self._path(session_id))

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        expires, _, body = raw.partition(b"\n")
        try:
            if float(expires) <= time.time():
                return None
        except ValueError:
            return None
        return decode_session(body)

    async def save(self, session_id: str, data: dict[str, Any], ttl: int) -> None:
        body = encode_session(data)
        await asyncio.to_thread(self._write, self._path(session_id), time.time() + ttl, body)
        if time.monotonic() >= self._next_cleanup:
            self._next_cleanup = time.monotonic() + self._cleanup_interval
            await asyncio.to_thread(self.cleanup)

    def _write(self, path: Path, expires: float, body: bytes) -> None:
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(f"{expires:.3f}\n".encode() + body)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def delete(self, session_id: str) -> None:
        await asyncio.to_thread(self._path(session_id).unlink, missing_ok=True)

    def cleanup(self) -> int:
        """Delete expired session files (and stale temporary files); returns how many."""
        now = time.time()
        removed = 0
        for path in self.directory.iterdir():
            try:
                if path.suffix == ".tmp":
                    stale = path.stat().st_mtime < now - 3600
                elif path.suffix == ".session":
                    with path.open("rb") as file:
                        stale = float(file.readline() or 0) <= now
                else:
                    continue
                if stale:
                    path.unlink(missing_ok=True)
                    removed += 1
            except (OSError, ValueError):
                continue
        return removed
