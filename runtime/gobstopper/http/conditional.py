"""Conditional and range requests (RFC 9110 §13 and §14) for representations with a
validator: files on disk and bytes held in memory.

:func:`evaluate` decides, from the request's headers and the representation's ``ETag``,
modification time and size, whether the answer is the whole body (200), a byte range (206),
"not modified" (304), a failed precondition (412) or an unsatisfiable range (416).
"""

from __future__ import annotations

from email.utils import formatdate, parsedate_to_datetime
from typing import Any, NamedTuple

__all__ = ["Selection", "etag_matches", "evaluate", "http_date", "parse_range"]


class Selection(NamedTuple):
    """What to send: ``status`` and, for 200/206, the byte span ``[start, end)``."""

    status: int
    start: int
    end: int


def http_date(timestamp: float) -> str:
    """Format a POSIX timestamp as an HTTP date (``Wed, 25 Nov 2026 10:00:00 GMT``)."""
    return formatdate(timestamp, usegmt=True)


def _parse_http_date(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(header: str, etag: str, *, weak: bool) -> bool:
    """Whether the ``If-Match``/``If-None-Match`` list ``header`` names ``etag``.

    ``weak`` comparison ignores the ``W/`` prefix (used by ``If-None-Match``); strong
    comparison never matches a weak tag.
    """
    if header.strip() == "*":
        return True
    for candidate in header.split(","):
        candidate = candidate.strip()
        if weak:
            if _opaque(candidate) == _opaque(etag):
                return True
        elif candidate == etag and not etag.startswith("W/"):
            return True
    return False


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """Parse a single-range ``Range`` header against a body of ``size`` bytes.

    Returns ``(start, end)`` (end exclusive) for a satisfiable range, ``False`` for a
    well-formed but unsatisfiable one, and ``None`` when the header should be ignored
    (malformed, another unit, or several ranges — which we answer with the whole body,
    as RFC 9110 allows).
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()):
        return None
    if (first and not first.isdigit()) or (last and not last.isdigit()):
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            return False
        return max(size - suffix, 0), size
    start = int(first)
    if start >= size:
        return False
    end = size if not last else min(int(last) + 1, size)
    if end <= start:
        return None
    return start, end


# Builds a Selection in C, without the Python-level __new__ of a named tuple (nor a
# Python frame of its own): the common answer, the whole file, is built once per request.
_new_tuple = tuple.__new__


def evaluate(headers: Any, method: str, etag: str, modified: float, size: int) -> Selection:
    """Apply the request's preconditions and ``Range`` to one representation.

    ``headers`` is the request's header mapping (``.get(name)``); ``modified`` is the
    POSIX time of the last change, compared at one-second resolution as HTTP dates are.
    """
    modified = int(modified)
    if_match = headers.get("if-match")
    if if_match is not None:
        if not etag_matches(if_match, etag, weak=False):
            return Selection(412, 0, 0)
    else:
        unmodified_since = headers.get("if-unmodified-since")
        if unmodified_since is not None:
            limit = _parse_http_date(unmodified_since)
            if limit is not None and modified > limit:
                return Selection(412, 0, 0)
    safe = method in ("GET", "HEAD")
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if etag_matches(if_none_match, etag, weak=True):
            return Selection(304, 0, 0) if safe else Selection(412, 0, 0)
    elif safe:
        modified_since = headers.get("if-modified-since")
        if modified_since is not None:
            since = _parse_http_date(modified_since)
            if since is not None and modified <= since:
                return Selection(304, 0, 0)
    range_header = headers.get("range")
    if range_header is None or method != "GET" or not _if_range_holds(headers, etag, modified):
        return _new_tuple(Selection, (200, 0, size))
    span = parse_range(range_header, size)
    if span is None:
        return _new_tuple(Selection, (200, 0, size))
    if span is False:
        return Selection(416, 0, 0)
    start, end = span  # type: ignore[misc]
    return Selection(206, start, end)


def _if_range_holds(headers: Any, etag: str, modified: float) -> bool:
    if_range = headers.get("if-range")
    if if_range is None:
        return True
    if_range = if_range.strip()
    if if_range.startswith(('"', "W/")):
        return etag_matches(if_range, etag, weak=False)
    date = _parse_http_date(if_range)
    return date is not None and int(modified) == int(date)
