"""URL rules: a pattern such as ``/users/<int:user_id>`` parsed into segments, and built
back into a URL for :func:`~gobstopper.url_for`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from .converters import CONVERTERS, Converter

__all__ = ["BuildError", "Param", "Rule", "Segment"]

_PLACEHOLDER = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*):)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)


class BuildError(LookupError):
    """``url_for`` could not build a URL (unknown endpoint or missing parameter)."""


@dataclass(frozen=True)
class Param:
    """One placeholder of a rule: its name and the converter of its text."""

    name: str
    converter: Converter


@dataclass(frozen=True)
class Segment:
    """One ``/``-separated piece of a rule: literal text, one parameter, or a mix."""

    text: str
    params: tuple[Param, ...]
    regex: re.Pattern[str] | None
    #: A mixed segment's pattern without named groups, for use inside a larger
    #: expression where its names could clash with another rule's ("" otherwise).
    shape: str = ""

    @property
    def is_static(self) -> bool:
        return not self.params

    @property
    def single(self) -> Param | None:
        return self.params[0] if self.regex is None and self.params else None


class Rule:
    """A parsed URL rule such as ``/users/<int:user_id>/posts/<slug>``."""

    def __init__(self, pattern: str) -> None:
        if not pattern.startswith("/"):
            raise ValueError(f"route {pattern!r} must start with '/'")
        self.pattern = pattern
        self.segments = tuple(_parse_segment(piece, pattern) for piece in pattern[1:].split("/"))
        names = [param.name for segment in self.segments for param in segment.params]
        duplicates = {name for name in names if names.count(name) > 1}
        if duplicates:
            raise ValueError(f"route {pattern!r} repeats parameter(s) {sorted(duplicates)}")
        self.param_names = tuple(names)
        self.converters = {p.name: p.converter for s in self.segments for p in s.params}
        self.is_static = all(segment.is_static for segment in self.segments)

    def build(self, values: dict[str, Any]) -> str:
        """Build the path for ``values``; unused values become the query string."""
        remaining = dict(values)
        pieces = []
        for segment in self.segments:
            if segment.is_static:
                pieces.append(quote(segment.text, safe="/:@!$&'()*+,;=~"))
                continue
            text = segment.text
            for param in segment.params:
                if param.name not in remaining:
                    raise BuildError(f"url for {self.pattern!r} needs a value for {param.name!r}")
                rendered = param.converter.to_url(remaining.pop(param.name))
                safe = "/" if param.converter.spans_segments else ""
                token = _placeholder_text(segment.text, param.name)
                text = text.replace(token, quote(rendered, safe=safe), 1)
            pieces.append(text)
        path = "/" + "/".join(pieces)
        query = {key: value for key, value in remaining.items() if value is not None}
        return f"{path}?{urlencode(query, doseq=True)}" if query else path

    def __repr__(self) -> str:
        return f"Rule({self.pattern!r})"


def _placeholder_text(segment_text: str, name: str) -> str:
    for match in _PLACEHOLDER.finditer(segment_text):
        if match.group("name") == name:
            return match.group(0)
    raise AssertionError(name)


def _parse_segment(piece: str, pattern: str) -> Segment:
    matches = list(_PLACEHOLDER.finditer(piece))
    if not matches:
        if "<" in piece or ">" in piece:
            raise ValueError(f"route {pattern!r}: malformed placeholder in {piece!r}")
        return Segment(piece, (), None)
    params = []
    for match in matches:
        kind = match.group("converter") or "default"
        try:
            converter_class = CONVERTERS[kind]
        except KeyError:
            known = ", ".join(sorted(CONVERTERS))
            raise ValueError(
                f"route {pattern!r}: unknown converter {kind!r} (known: {known})"
            ) from None
        params.append(Param(match.group("name"), converter_class()))
    if len(matches) == 1 and matches[0].group(0) == piece:
        return Segment(piece, tuple(params), None)
    if any(param.converter.spans_segments for param in params):
        raise ValueError(f"route {pattern!r}: a <path:...> placeholder must fill whole segments")
    named, shape, cursor = [], [], 0
    for match, param in zip(matches, params, strict=True):
        literal = re.escape(piece[cursor : match.start()])
        named.append(f"{literal}(?P<{param.name}>{param.converter.regex})")
        shape.append(f"{literal}(?:{param.converter.regex})")
        cursor = match.end()
    literal = re.escape(piece[cursor:])
    rest = _PLACEHOLDER.sub("", piece)
    if "<" in rest or ">" in rest:
        raise ValueError(f"route {pattern!r}: malformed placeholder in {piece!r}")
    regex = re.compile("".join(named) + literal)
    return Segment(piece, tuple(params), regex, "".join(shape) + literal)
