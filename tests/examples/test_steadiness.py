"""``benchmarks/steadiness.py``: how it sums up slices into spreads, and its in-process
blocks (loading real servers under wrk is for ``make bench``)."""

from __future__ import annotations

import asyncio

import pytest
from steadiness import _blocks, coefficient_of_variation, ratio_spreads

# A machine whose speed drifts: every server measured in the same sweep feels the same.
DRIFT = [100.0, 120.0, 80.0, 110.0, 90.0] * 3


def test_a_steady_server_varies_as_the_machine_does() -> None:
    assert coefficient_of_variation([50.0, 50.0, 50.0]) == 0
    assert coefficient_of_variation([90.0, 110.0]) == pytest.approx(0.1)


def test_interleaved_slices_cancel_the_drift_that_runs_in_turn_do_not() -> None:
    slices = {"bare": DRIFT, "framework": [0.9 * value for value in DRIFT]}
    spreads = ratio_spreads(slices, "framework", run_slices=2)
    assert spreads["interleaved"] == pytest.approx(0)
    assert spreads["in_turn"] > 0.05


def test_too_few_sweeps_are_refused() -> None:
    with pytest.raises(ValueError, match="too few runs"):
        ratio_spreads({"bare": DRIFT[:10], "framework": DRIFT[:10]}, "framework", run_slices=5)


def test_blocks_report_collections_objects_and_speed() -> None:
    blocks = asyncio.run(_blocks("bare_rsgi", "/plaintext", 2, 200))
    assert len(blocks) == 2
    for block in blocks:
        assert block["collections"] >= block["full_collections"] >= 0
        assert block["objects"] > 1000
        assert block["requests_per_second"] > 0
