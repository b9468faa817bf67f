"""Serving the OpenAPI document and an interactive docs page (Swagger UI).

The page's script and stylesheet ship inside the package (see ``assets/swagger-ui``,
fetched from npm by ``scripts/fetch-docs-assets.sh``) and are served by the application
itself, so the page works offline and asks no CDN for anything.

>>> enable_docs(app)           # GET /docs (the page) and GET /openapi.json
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from ..http.request import Request
from ..http.response import HTMLResponse, Response
from ..staticfiles import StaticFiles
from .document import build_openapi
from .markers import exclude_from_schema

if TYPE_CHECKING:
    from ..app import Gobstopper

__all__ = ["ASSETS", "enable_docs"]

#: The folder of the docs page's bundled scripts, stylesheet and licences.
ASSETS = Path(__file__).resolve().parent / "assets"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="{assets}/swagger-ui/swagger-ui-bundle.js"></script>
<script src="{assets}/docs.js"></script>
</body>
</html>
"""


# What the page needs and nothing more: its own scripts and styles, the data: images of
# Swagger UI's stylesheet, and requests to this application. Sent with the page, it wins
# over a stricter application-wide policy that would hide the icons.
_PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)


class _Published:
    """The encoded document, built once (again only if the application changed since)."""

    def __init__(self, app: Gobstopper, title: str | None, version: str | None) -> None:
        self.app = app
        self.title = title
        self.version = version
        self._revision = -1
        self._body = b""

    def body(self) -> bytes:
        if self._revision != self.app.revision:
            document = build_openapi(self.app, title=self.title, version=self.version)
            self._body = msgspec.json.encode(document)
            self._revision = self.app.revision
        return self._body


def enable_docs(
    app: Gobstopper,
    path: str = "/docs",
    openapi_path: str = "/openapi.json",
    title: str | None = None,
    *,
    version: str | None = None,
) -> None:
    """Serve ``app``'s OpenAPI document at ``openapi_path`` and Swagger UI at ``path``.

    The document is built when the application starts (see
    :func:`~gobstopper.openapi.build_openapi` for ``title`` and ``version``), not per
    request. The page's files are served under ``<path>/assets/``. None of these routes
    appears in the document. Turn the docs on where they belong, e.g. only in development:

    >>> if app.debug:
    ...     enable_docs(app, title="Shop API")
    """
    base = path.rstrip("/")
    published = _Published(app, title, version)

    @exclude_from_schema
    async def openapi_document() -> Response:
        return Response(published.body(), content_type="application/json")

    page = _PAGE.format(
        title=html.escape(title or app.import_name),
        assets=html.escape(f"{base}/assets"),
        openapi_url=html.escape(openapi_path),
    )

    @exclude_from_schema
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": _PAGE_CSP})

    files = StaticFiles(ASSETS)

    @exclude_from_schema
    async def docs_assets(request: Request, filename: str) -> Response:
        return files.response(request, filename)

    app.add_url_rule(openapi_path, "openapi", openapi_document)
    app.add_url_rule(base or "/", "docs", docs)
    app.add_url_rule(f"{base}/assets/<path:filename>", "docs_assets", docs_assets)
    app.on_startup(published.body)
