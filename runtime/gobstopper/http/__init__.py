"""HTTP building blocks: requests, responses, errors, cookies and multi-valued mappings."""

from .datastructures import Headers, MultiDict, MutableHeaders
from .errors import HTTPException, abort
from .request import Request
from .response import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamResponse,
    jsonify,
    redirect,
)
from .results import make_response

__all__ = [
    "FileResponse",
    "HTMLResponse",
    "HTTPException",
    "Headers",
    "JSONResponse",
    "MultiDict",
    "MutableHeaders",
    "PlainTextResponse",
    "RedirectResponse",
    "Request",
    "Response",
    "StreamResponse",
    "abort",
    "jsonify",
    "make_response",
    "redirect",
]
