"""Parity tests: the Rust core and the pure-Python implementation get the same inputs and
must give identical outputs.

They need ``gobstopper-core``; without it they are skipped, except when
``GOBSTOPPER_REQUIRE_RUST=1`` (set by ``.ci/run``), where its absence fails the run.
"""

from __future__ import annotations

import os
from types import ModuleType

import pytest


@pytest.fixture(scope="session")
def rust_core() -> ModuleType:
    try:
        from gobstopper import _core
    except ImportError as missing:
        if os.environ.get("GOBSTOPPER_REQUIRE_RUST") == "1":
            pytest.fail(f"GOBSTOPPER_REQUIRE_RUST=1 but the Rust core is missing: {missing}")
        pytest.skip(f"the Rust core is not installed: {missing}")
    return _core
