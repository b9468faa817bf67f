"""OpenAPI 3.1 documents built from an application's routes, and an offline docs page.

>>> from gobstopper.openapi import build_openapi, enable_docs
>>> document = build_openapi(app)        # plain data: msgspec.json.encode(document)
>>> enable_docs(app)                     # GET /openapi.json and the page at GET /docs

Paths and their parameters come from the rules and handler signatures, request bodies and
responses from msgspec Structs, dataclasses and return annotations, summaries from
docstrings, tags from blueprints. Guards and rate limits declare the answers they may give
instead of the handler (:mod:`gobstopper.openapi.markers`).
"""

from .docs import enable_docs
from .document import OPENAPI_VERSION, build_openapi
from .errors import HTTPError, ValidationDetail, ValidationError
from .markers import (
    TOO_MANY_REQUESTS,
    Refusal,
    declare_refusal,
    exclude_from_schema,
    refusals,
    unauthorized,
)

__all__ = [
    "OPENAPI_VERSION",
    "TOO_MANY_REQUESTS",
    "HTTPError",
    "Refusal",
    "ValidationDetail",
    "ValidationError",
    "build_openapi",
    "declare_refusal",
    "enable_docs",
    "exclude_from_schema",
    "refusals",
    "unauthorized",
]
