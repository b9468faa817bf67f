"""Samples that name a local service (``redis://127.0.0.1:6379/0``) run against it as
written: when it is not there, the test is skipped, or fails under
``GOBSTOPPER_REQUIRE_SERVICES=1`` as in CI."""

from __future__ import annotations

import os
import socket

import pytest

__all__ = ["require_local"]


def require_local(port: int, name: str) -> None:
    """Skip (or fail, in CI) unless something listens on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return
    except OSError:
        reason = f"the sample uses the {name} on 127.0.0.1:{port}, which is not running"
    if os.environ.get("GOBSTOPPER_REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)
