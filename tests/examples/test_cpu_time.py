"""``benchmarks/cpu_time.py``: the steal time ``benchmarks/run.py`` reports beside each
scenario, read from /proc/stat (the CPU time of a server's processes is covered by
``test_tfb_run``)."""

from __future__ import annotations

import sys

import pytest
from cpu_time import stolen_seconds

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_the_steal_time_of_a_core_is_read_and_never_goes_back() -> None:
    first = stolen_seconds("0")
    assert first is not None
    assert first >= 0
    second = stolen_seconds("0")
    assert second is not None
    assert second >= first


def test_a_core_the_machine_lacks_has_no_steal_time() -> None:
    assert stolen_seconds("4096") is None
