"""Connections to the services Gobstopper scales out with (Redis, PostgreSQL), made per
worker process and event loop, with their failures mapped to one clear error."""

from .errors import BackendUnavailable
from .looplocal import LoopLocal

__all__ = ["BackendUnavailable", "LoopLocal"]
