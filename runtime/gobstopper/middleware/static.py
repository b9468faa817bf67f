"""Serve a directory of static files under a URL prefix, ahead of the router.

>>> app.add_middleware(StaticFileMiddleware("public", url_prefix="/assets"))

``GET /assets/css/site.css`` answers with ``public/css/site.css``; anything under the
prefix that is not a file inside ``public`` is a 404 (no directory listings, no way out of
the directory). Other paths go on to the application.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..http.errors import HTTPException
from ..staticfiles import StaticFiles
from .base import CallNext

if TYPE_CHECKING:
    from ..http.request import Request
    from ..http.response import Response

__all__ = ["StaticFileMiddleware"]


class StaticFileMiddleware:
    """Answer ``GET``/``HEAD`` requests under ``url_prefix`` from ``directory``.

    Keyword options are those of :class:`~gobstopper.staticfiles.StaticFiles`
    (``max_age``, ``fingerprinted_max_age``, ``precompressed``, ``allow_hidden``).
    """

    def __init__(
        self, directory: str | os.PathLike[str], url_prefix: str = "/static", **options: Any
    ) -> None:
        if not url_prefix.startswith("/"):
            raise ValueError(f"url_prefix {url_prefix!r} must start with '/'")
        if not os.path.isdir(directory):
            raise ValueError(f"static directory {os.fspath(directory)!r} does not exist")
        self.files = StaticFiles(directory, **options)
        self.prefix = url_prefix.rstrip("/") + "/"

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        path = request.path
        if not path.startswith(self.prefix):
            return await call_next(request)
        if request.method not in ("GET", "HEAD"):
            error = HTTPException(
                405, "Static files are read-only; use GET or HEAD.", headers={"Allow": "GET, HEAD"}
            )
            return await request.app.handle_exception(request, error)
        try:
            return self.files.response(request, path[len(self.prefix) :])
        except HTTPException as error:
            return await request.app.handle_exception(request, error)
