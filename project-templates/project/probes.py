"""Readiness checks: each configured backend adds a probe, ``/ready`` runs them all."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["Readiness"]

Probe = Callable[[], Awaitable[Any]]


class Readiness:
    """Named probes run together; a probe that raises or takes too long is "down"."""

    def __init__(self, timeout: float = 2.0) -> None:
        self.timeout = timeout
        self._probes: dict[str, Probe] = {}

    def add(self, name: str, probe: Probe) -> None:
        """Check ``probe`` (an async callable) on every readiness request."""
        self._probes[name] = probe

    async def _check(self, probe: Probe) -> str:
        try:
            await asyncio.wait_for(probe(), self.timeout)
        except Exception as error:  # whatever keeps a backend away means "not ready"
            return f"down: {type(error).__name__}: {error}"
        return "ok"

    async def run(self) -> dict[str, str]:
        """``{name: "ok" | "down: why"}`` for every probe, run concurrently."""
        names = list(self._probes)
        results = await asyncio.gather(*(self._check(self._probes[n]) for n in names))
        return dict(zip(names, results, strict=True))
