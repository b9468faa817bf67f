"""Gobstopper: a Flask-like async web framework that speaks Granian's RSGI natively.

>>> from gobstopper import Gobstopper
>>> app = Gobstopper(__name__)
>>> @app.get("/")
... async def index():
...     return "Hello from Gobstopper"
"""

from .app import Gobstopper, url_for
from .blueprints import Blueprint
from .http import (
    FileResponse,
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
)

__version__ = "0.1.0"

__all__ = [
    "Blueprint",
    "FileResponse",
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
    "jsonify",
    "make_response",
    "redirect",
    "url_for",
]
