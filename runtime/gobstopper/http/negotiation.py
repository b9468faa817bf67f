"""Content negotiation: which of the media types we can send the client's ``Accept``
header prefers, q-values included (RFC 9110, section 12.5.1).

>>> prefers_json("text/html;q=0.5, application/json", body_is_json=False)
True
>>> prefers_json("application/json;q=0.1, text/html", body_is_json=False)
False

The most specific range that matches a media type gives its quality, so
``application/json;q=0, */*`` refuses JSON and accepts anything else.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["MediaRange", "parse_accept", "prefers_json", "quality"]


class MediaRange(NamedTuple):
    """One entry of an ``Accept`` header: ``type/subtype`` (either may be ``*``) and its
    quality between 0 (not acceptable) and 1."""

    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        """2 for ``text/html``, 1 for ``text/*``, 0 for ``*/*``."""
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, type_: str, subtype: str) -> bool:
        """Whether the media type ``type_/subtype`` falls in this range."""
        return self.type in ("*", type_) and self.subtype in ("*", subtype)


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header, in the order given; entries that are not
    media ranges, or whose ``q`` is not a number from 0 to 1, are left out."""
    ranges = []
    for entry in header.split(","):
        media, *parameters = entry.split(";")
        media = media.strip().lower()
        if media == "*":  # sent by some old clients for */*
            media = "*/*"
        type_, slash, subtype = media.partition("/")
        if not (slash and type_ and subtype):
            continue
        q: float | None = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                q = _quality(value.strip())
        if q is not None:
            ranges.append(MediaRange(type_, subtype, q))
    return ranges


def _quality(text: str) -> float | None:
    try:
        q = float(text)
    except ValueError:
        return None
    return q if 0.0 <= q <= 1.0 else None


def _rank(ranges: list[MediaRange], media_type: str) -> tuple[float, int, int]:
    """``(quality, specificity, -position)`` of the most specific range matching
    ``media_type``; ``(0, -1, 0)`` when none does."""
    type_, _, subtype = media_type.partition("/")
    best: tuple[float, int, int] = (0.0, -1, 0)
    for position, media_range in enumerate(ranges):
        if not media_range.matches(type_, subtype):
            continue
        rank = (media_range.q, media_range.specificity, -position)
        if rank[1] > best[1] or (rank[1] == best[1] and rank > best):
            best = rank
    return best


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """How acceptable ``media_type`` is under ``ranges``: the ``q`` of the most specific
    range that matches it, or 0 when none does."""
    return _rank(ranges, media_type)[0]


def prefers_json(accept: str | None, body_is_json: bool) -> bool:
    """Whether a client sending ``Accept: accept`` would rather read JSON than HTML.

    JSON counts as ``application/json`` or any ``+json`` type the header names. The
    higher quality wins; at equal quality, the more specific range, then the one named
    first. When nothing tells them apart (no header, ``*/*``, neither acceptable), a
    request whose own body is JSON (``body_is_json``) gets JSON.
    """
    if not accept or not accept.strip():
        return body_is_json
    ranges = parse_accept(accept)
    json = _rank(ranges, "application/json")
    for position, media_range in enumerate(ranges):
        if media_range.subtype.endswith("+json"):
            json = max(json, (media_range.q, media_range.specificity, -position))
    html = _rank(ranges, "text/html")
    if (json[0] == 0.0 and html[0] == 0.0) or json == html:
        return body_is_json
    return json > html
