"""HTTP building blocks: requests, responses, files, uploads, errors, cookies and
multi-valued mappings."""

from .datastructures import Headers, MultiDict, MutableHeaders
from .errors import HTTPException, abort
from .filenames import secure_filename
from .files import FileResponse, send_file, send_from_directory
from .request import Request
from .response import (
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
from .uploads import FileStorage

__all__ = [
    "FileResponse",
    "FileStorage",
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
    "secure_filename",
    "send_file",
    "send_from_directory",
]
