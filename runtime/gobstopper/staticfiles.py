"""Serving a directory of static files safely and cache-friendly.

:class:`StaticFiles` turns a URL path into a :class:`~gobstopper.http.files.FileResponse`:
traversal-proof resolution, content types, ``ETag``/``Last-Modified`` with 304 and range
answers, ``Cache-Control`` (long-lived and ``immutable`` for fingerprinted names such as
``app.3f9a1c2e.js``) and precompressed ``.br``/``.gz`` siblings chosen by
``Accept-Encoding``. It backs :class:`~gobstopper.middleware.StaticFileMiddleware` and the
``static_folder`` of applications and blueprints.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from .http.errors import HTTPException
from .http.files import FileResponse, guess_type, safe_join

if TYPE_CHECKING:
    from .http.request import Request

__all__ = ["StaticFiles"]

_FINGERPRINTED = re.compile(r"[.-][0-9a-fA-F]{8,}\.[^/]+$")
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
_ONE_YEAR = 365 * 24 * 3600


def _accepted_encodings(header: str | None) -> set[str]:
    if not header:
        return set()
    accepted = set()
    for item in header.split(","):
        coding, _, params = item.partition(";")
        quality = params.strip().replace(" ", "")
        if quality.startswith("q=") and quality[2:].strip("0.") == "":
            continue
        accepted.add(coding.strip().lower())
    return accepted


class StaticFiles:
    """Files below ``directory`` answered by their path relative to it.

    :param max_age: ``Cache-Control`` max-age for ordinary names; ``0`` (the default) sends
        ``no-cache``, so browsers revalidate with the ``ETag`` and get a cheap 304.
    :param fingerprinted_max_age: max-age for names carrying a content hash
        (``app.3f9a1c2e.css``), sent with ``immutable``; one year by default.
    :param precompressed: serve ``name.br`` / ``name.gz`` when they exist and the client
        accepts them (with ``Vary: Accept-Encoding``).
    :param allow_hidden: serve names starting with a dot (off: ``.env`` stays private).
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        max_age: int = 0,
        fingerprinted_max_age: int = _ONE_YEAR,
        precompressed: bool = True,
        allow_hidden: bool = False,
    ) -> None:
        self.directory = os.path.realpath(directory)
        self.max_age = max_age
        self.fingerprinted_max_age = fingerprinted_max_age
        self.precompressed = precompressed
        self.allow_hidden = allow_hidden

    def resolve(self, path: str) -> str | None:
        """The real path of the file ``path`` names inside the directory, or ``None``."""
        return safe_join(self.directory, path, allow_hidden=self.allow_hidden)

    def response(self, request: Request, path: str) -> FileResponse:
        """Answer a GET/HEAD for ``path``; raises 404 when there is no such file."""
        resolved = self.resolve(path)
        if resolved is None:
            raise HTTPException(404, "The requested file was not found.")
        if _FINGERPRINTED.search(path):
            cache_control = f"public, max-age={self.fingerprinted_max_age}, immutable"
        elif self.max_age > 0:
            cache_control = f"public, max-age={self.max_age}"
        else:
            cache_control = "no-cache"
        headers = [("cache-control", cache_control)]
        content_type = guess_type(resolved)
        if self.precompressed:
            headers.append(("vary", "Accept-Encoding"))
            accepted = _accepted_encodings(request._scope.headers.get("accept-encoding"))
            for coding, suffix in _ENCODINGS:
                if coding in accepted:
                    variant = self.resolve(path + suffix)
                    if variant is not None:
                        return FileResponse(
                            variant,
                            headers=headers,
                            content_type=content_type,
                            content_encoding=coding,
                        )
        return FileResponse(resolved, headers=headers, content_type=content_type)

    def __repr__(self) -> str:
        return f"<StaticFiles {self.directory!r}>"
