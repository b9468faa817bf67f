"""Serving a directory of static files safely and cache-friendly.

:class:`StaticFiles` turns a URL path into a :class:`~gobstopper.http.files.FileResponse`:
traversal-proof resolution, content types, ``ETag``/``Last-Modified`` with 304 and range
answers, ``Cache-Control`` (long-lived and ``immutable`` for fingerprinted names such as
``app.3f9a1c2e.js``) and precompressed ``.br``/``.gz`` siblings chosen by
``Accept-Encoding``. It backs :class:`~gobstopper.middleware.StaticFileMiddleware` and the
``static_folder`` of applications and blueprints.
"""

from __future__ import annotations

import math
import os
import re
import stat as stat_module
import time
from typing import TYPE_CHECKING, Any, NamedTuple

from .accelerators import select
from .http.conditional import http_date
from .http.errors import HTTPException
from .http.files import FileResponse, file_etag, guess_type, is_safe_relative, resolve_inside

if TYPE_CHECKING:
    from .http.request import Request

__all__ = ["StaticFiles"]

_FINGERPRINTED = re.compile(r"[.-][0-9a-fA-F]{8,}\.[^/]+$")
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
_ONE_YEAR = 365 * 24 * 3600
_CACHE_LIMIT = 4096


def _accepted_encodings(header: str | None) -> frozenset[str]:
    if not header:
        return frozenset()
    accepted = set()
    for item in header.split(","):
        coding, _, params = item.partition(";")
        quality = params.strip().replace(" ", "")
        if quality.startswith("q=") and quality[2:].strip("0.") == "":
            continue
        accepted.add(coding.strip().lower())
    return frozenset(accepted)


def _bounded(cache: set[str] | dict[str, Any]) -> None:
    """Empty a cache keyed by what clients send once it reaches its limit, so it cannot
    grow without bound."""
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()


class _Entry(NamedTuple):
    """A resolved file and the headers of its 200 answer, valid while ``identity`` holds."""

    identity: tuple[int, int, int, int]
    path: str
    headers: tuple[tuple[str, str], ...]
    etag: str
    modified: float
    size: int


def _identity(result: os.stat_result) -> tuple[int, int, int, int]:
    return (result.st_dev, result.st_ino, result.st_mtime_ns, result.st_size)


class StaticFiles:
    """Files below ``directory`` answered by their path relative to it.

    :param max_age: ``Cache-Control`` max-age for ordinary names; ``0`` (the default) sends
        ``no-cache``, so browsers revalidate with the ``ETag`` and get a cheap 304.
    :param fingerprinted_max_age: max-age for names carrying a content hash
        (``app.3f9a1c2e.css``), sent with ``immutable``; one year by default.
    :param precompressed: serve ``name.br`` / ``name.gz`` when they exist and the client
        accepts them (with ``Vary: Accept-Encoding``).
    :param allow_hidden: serve names starting with a dot (off: ``.env`` stays private).
    :param recheck_missing: seconds during which a precompressed sibling found missing is
        presumed still missing, so a browser's request costs one ``stat`` rather than one
        per coding it accepts; a sibling added later is served after at most this delay.
    :param accelerated: look files up with the Rust core (``True``), in Python (``False``)
        or as :mod:`gobstopper.accelerators` chose (``None``).

    Resolved paths and response headers are cached per file and checked against one
    ``stat`` per request (device, inode, size, modification time), so an edited, replaced
    or re-pointed file is picked up at once — and re-checked for escaping the folder.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        max_age: int = 0,
        fingerprinted_max_age: int = _ONE_YEAR,
        precompressed: bool = True,
        allow_hidden: bool = False,
        recheck_missing: float = 1.0,
        accelerated: bool | None = None,
    ) -> None:
        if not 0 <= recheck_missing < math.inf:
            raise ValueError(
                f"recheck_missing must be a finite number of seconds, 0 or more, "
                f"not {recheck_missing!r}"
            )
        self.directory = os.path.realpath(directory)
        self.max_age = max_age
        self.fingerprinted_max_age = fingerprinted_max_age
        self.precompressed = precompressed
        self.allow_hidden = allow_hidden
        self.recheck_missing = recheck_missing
        # Keyed by file and coding: app.css.gz is a variant of app.css or a file of its own.
        self._cache: dict[tuple[str, str | None], _Entry] = {}
        # Per-request shortcuts of the pure-Python lookup: paths already found safe, the
        # codings of each Accept-Encoding value seen, and the folder as a join prefix
        # (os.path.join costs more than the rest of a cached lookup).
        self._safe: set[str] = set()
        self._codings: dict[str, frozenset[str]] = {}
        # Per requested path: when a sibling was first found missing, and the codings of
        # the siblings found missing since.
        self._missing: dict[str, tuple[float, frozenset[str]]] = {}
        self._prefix = os.path.join(self.directory, "")
        self._lookup = self._lookup_python
        core = select(accelerated)
        if core is not None:
            self._lookup = core.StaticFiles(
                self.directory,
                allow_hidden,
                precompressed,
                self._build,
                self._lookup_python,
                recheck_missing,
            ).lookup

    def resolve(self, path: str) -> str | None:
        """The real path of the file ``path`` names inside the directory, or ``None``."""
        if not is_safe_relative(path, allow_hidden=self.allow_hidden):
            return None
        return resolve_inside(self.directory, path)

    def response(self, request: Request, path: str) -> FileResponse:
        """Answer a GET/HEAD for ``path``; raises 404 when there is no such file."""
        entry = self._lookup(path, request.scope.headers.get("accept-encoding"))
        if entry is None:
            raise HTTPException(404, "The requested file was not found.")
        return FileResponse.prepared(
            entry.path, list(entry.headers), entry.etag, entry.modified, entry.size
        )

    def _lookup_python(self, path: str, accept_encoding: str | None) -> _Entry | None:
        """The entry answering ``path`` (the Rust core does the same, in Rust)."""
        if path not in self._safe:
            if not is_safe_relative(path, allow_hidden=self.allow_hidden):
                return None
            _bounded(self._safe)
            self._safe.add(path)
        if self.precompressed and accept_encoding:
            accepted = self._codings.get(accept_encoding)
            if accepted is None:
                accepted = _accepted_encodings(accept_encoding)
                _bounded(self._codings)
                self._codings[accept_encoding] = accepted
            if accepted:
                missing = self._known_missing(path)
                for coding, suffix in _ENCODINGS:
                    if coding in accepted and coding not in missing:
                        entry = self._entry(path + suffix, path, coding)
                        if entry is not None:
                            return entry
                        missing = self._record_missing(path, coding)
        return self._entry(path, path, None)

    def _known_missing(self, path: str) -> frozenset[str]:
        """The codings of the siblings of ``path`` found missing within ``recheck_missing``."""
        record = self._missing.get(path)
        if record is None or time.monotonic() - record[0] >= self.recheck_missing:
            return frozenset()
        return record[1]

    def _record_missing(self, path: str, coding: str) -> frozenset[str]:
        """Remember that the ``coding`` sibling of ``path`` is missing; an expired record
        starts over."""
        now = time.monotonic()
        record = self._missing.get(path)
        if record is not None and now - record[0] < self.recheck_missing:
            record = (record[0], record[1] | {coding})
        else:
            if record is None:
                _bounded(self._missing)
            record = (now, frozenset((coding,)))
        self._missing[path] = record
        return record[1]

    def _entry(self, path: str, original: str, encoding: str | None) -> _Entry | None:
        try:
            result = os.stat(self._prefix + path)
        except (OSError, ValueError):
            return None
        if not stat_module.S_ISREG(result.st_mode):
            return None
        entry = self._cache.get((path, encoding))
        if entry is not None and entry.identity == _identity(result):
            return entry
        entry = self._build(path, original, encoding, result)
        if entry is not None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[path, encoding] = entry
        return entry

    def _build(
        self,
        path: str,
        original: str,
        encoding: str | None,
        result: os.stat_result | None = None,
    ) -> _Entry | None:
        """The entry of a file seen for the first time or changed since it was cached."""
        if result is None:
            try:
                result = os.stat(os.path.join(self.directory, path))
            except (OSError, ValueError):
                return None
        resolved = resolve_inside(self.directory, path)
        if resolved is None:
            return None
        return _Entry(
            _identity(result),
            resolved,
            self._headers(original, encoding, result),
            file_etag(result),
            result.st_mtime,
            result.st_size,
        )

    def _headers(
        self, original: str, encoding: str | None, result: os.stat_result
    ) -> tuple[tuple[str, str], ...]:
        if _FINGERPRINTED.search(original):
            cache_control = f"public, max-age={self.fingerprinted_max_age}, immutable"
        elif self.max_age > 0:
            cache_control = f"public, max-age={self.max_age}"
        else:
            cache_control = "no-cache"
        headers = [("content-type", guess_type(original)), ("cache-control", cache_control)]
        if self.precompressed:
            headers.append(("vary", "Accept-Encoding"))
        if encoding is not None:
            headers.append(("content-encoding", encoding))
        headers += [
            ("accept-ranges", "bytes"),
            ("last-modified", http_date(result.st_mtime)),
            ("etag", file_etag(result)),
        ]
        return tuple(headers)

    def __repr__(self) -> str:
        return f"<StaticFiles {self.directory!r}>"
