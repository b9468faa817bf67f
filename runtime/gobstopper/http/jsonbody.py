"""Decoding JSON request bodies safely: size and nesting limits, typed decoding, and
error messages that name the offending field.

msgspec decoders are built once per target type and cached; the nesting check is skipped
for bodies too short to nest past the limit, and otherwise is one pass over the bytes in
Rust, and in pure Python two byte counts for ordinary bodies and a linear scan only for
bodies with many brackets.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import msgspec

from ..accelerators import native
from .errors import HTTPException

__all__ = ["decode_json", "decoder_for", "exceeds_depth", "is_json_content_type"]

_SPECIALS = re.compile(rb'[\[\]{}"\\]')
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_QUOTE = ord('"')
_BACKSLASH = ord("\\")


def exceeds_depth(body: bytes, max_depth: int) -> bool:
    """Tell whether the JSON document ``body`` nests deeper than ``max_depth``.

    Brackets inside strings do not count. Runs in linear time whatever the input.
    """
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False
    depth = 0
    in_string = False
    escaped_at = -2
    for match in _SPECIALS.finditer(body):
        position = match.start()
        char = body[position]
        if in_string:
            if position == escaped_at + 1:
                continue
            if char == _BACKSLASH:
                escaped_at = position
            elif char == _QUOTE:
                in_string = False
        elif char == _QUOTE:
            in_string = True
        elif char in _OPEN:
            depth += 1
            if depth > max_depth:
                return True
        elif char in _CLOSE:
            depth -= 1
    return False


_core = native()
#: The Rust core's twin of :func:`exceeds_depth`, when the core is active.
_rust_nests_deeper = None if _core is None else _core.json_nests_deeper


def is_json_content_type(content_type: str | None) -> bool:
    """Accept ``application/json`` and any ``+json`` media type, with parameters."""
    if content_type == "application/json":
        return True
    if not content_type:
        return False
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


@lru_cache(maxsize=512)
def decoder_for(target: Any) -> msgspec.json.Decoder[Any]:
    """The cached msgspec decoder for ``target``."""
    return msgspec.json.Decoder(target)


_MISSING_FIELD = re.compile(r"Object missing required field `([^`]+)`")


def _field_path(message: str) -> str | None:
    """The dotted path of the field msgspec's ``message`` is about; for a missing field,
    the missing field itself (``user.email``), not only the object that lacks it."""
    head, sep, path = message.rpartition(" - at `$")
    location = path.rstrip("`").lstrip(".") if sep else ""
    missing = _MISSING_FIELD.match(head if sep else message)
    if missing:
        return f"{location}.{missing[1]}" if location else missing[1]
    return location or None


def decode_json(body: bytes, decoder: msgspec.json.Decoder[Any], max_depth: int) -> Any:
    """Decode ``body`` with ``decoder``; raise 400 for bad JSON, 422 for the wrong shape.

    The 422 detail names the field path, e.g. ``{"field": "user.age", "message":
    "Expected `int`, got `str`"}``.
    """
    # A well-formed document nesting deeper than max_depth has max_depth + 1 bracket
    # pairs, so it is at least twice as long; a shorter one that opens more brackets than
    # it closes is malformed, and msgspec answers it (400, or 422 when the expected type
    # is not the array or object it opens).
    if len(body) >> 1 > max_depth and (
        _rust_nests_deeper(body, max_depth)
        if _rust_nests_deeper is not None  # exceeds_depth's first step inlined, else:
        else body.count(b"[") + body.count(b"{") > max_depth and exceeds_depth(body, max_depth)
    ):
        raise HTTPException(400, f"JSON document nests deeper than the limit of {max_depth}.")
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as error:
        message = str(error)
        field = _field_path(message)
        summary = message.rpartition(" - at `$")[0] or message
        description = f"Invalid field `{field}`: {summary}" if field else summary
        raise HTTPException(422, description, detail={"field": field, "message": summary}) from None
    except msgspec.DecodeError as error:
        if not body.strip():
            raise HTTPException(400, "Request body is empty; expected a JSON document.") from None
        raise HTTPException(400, f"Malformed JSON: {error}") from None
    except RecursionError:
        raise HTTPException(400, "JSON document nests too deeply.") from None
