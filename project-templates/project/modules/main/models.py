"""Data shapes of the ``main`` feature."""

from __future__ import annotations

import msgspec


class About(msgspec.Struct):
    """What the front page tells a client."""

    service: str
    features: list[str]
