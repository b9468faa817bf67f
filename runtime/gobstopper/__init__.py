"""Gobstopper: a Flask-like async web framework that speaks Granian's RSGI natively.

>>> from gobstopper import Gobstopper
>>> app = Gobstopper(__name__)
>>> @app.get("/")
... async def index():
...     return "Hello from Gobstopper"
"""

from .app import Gobstopper, url_for
from .blueprints import Blueprint
from .globals import g, render_template, request, session
from .guards import guard
from .http import (
    FileResponse,
    FileStorage,
    HTMLResponse,
    HTTPException,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Request,
    Response,
    StreamResponse,
    abort,
    jsonify,
    make_response,
    redirect,
    secure_filename,
    send_file,
    send_from_directory,
)
from .notifications import get_notifications, notification

__version__ = "0.6.0"

__all__ = [
    "Blueprint",
    "FileResponse",
    "FileStorage",
    "Gobstopper",
    "HTMLResponse",
    "HTTPException",
    "JSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Request",
    "Response",
    "StreamResponse",
    "__version__",
    "abort",
    "g",
    "get_notifications",
    "guard",
    "jsonify",
    "make_response",
    "notification",
    "redirect",
    "render_template",
    "request",
    "secure_filename",
    "send_file",
    "send_from_directory",
    "session",
    "url_for",
]
