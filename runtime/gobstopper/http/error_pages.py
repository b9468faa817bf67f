"""Default error responses: JSON for JSON clients, a small HTML page for browsers.

Which one a client gets follows its ``Accept`` header, q-values included (see
:func:`~gobstopper.http.negotiation.prefers_json`).

Production responses never carry internals; in debug mode a 500 shows the traceback.
"""

from __future__ import annotations

import html
import traceback

from .errors import HTTPException
from .negotiation import prefers_json
from .request import Request
from .response import HTMLResponse, JSONResponse, Response

__all__ = ["error_response", "internal_error_response"]


def _page(status: int, name: str, description: str, extra: str) -> str:
    """The HTML error page, its parts already escaped."""
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{status} {name}</title></head>
<body>
<h1>{status} {name}</h1>
<p>{description}</p>
{extra}</body>
</html>
"""


def error_response(
    request: Request | None, error: HTTPException, trace: str | None = None
) -> Response:
    """Render ``error`` for the client that sent ``request``."""
    if request is not None and prefers_json(request.headers.get("accept"), request.is_json):
        payload: dict[str, object] = {
            "error": error.name,
            "status": error.status,
            "message": error.description,
        }
        if error.detail is not None:
            payload["detail"] = error.detail
        if trace:
            payload["traceback"] = trace
        response: Response = JSONResponse(payload, error.status)
    else:
        extra = f"<pre>{html.escape(trace)}</pre>\n" if trace else ""
        page = _page(error.status, html.escape(error.name), html.escape(error.description), extra)
        response = HTMLResponse(page, error.status)
    for key, value in error.headers.items():
        response.headers[key] = value
    return response


def internal_error_response(request: Request | None, exc: BaseException, debug: bool) -> Response:
    """A 500 response; with ``debug`` it includes the traceback of ``exc``."""
    trace = "".join(traceback.format_exception(exc)) if debug else None
    return error_response(
        request,
        HTTPException(500, "The server hit an unexpected error while handling the request."),
        trace,
    )
