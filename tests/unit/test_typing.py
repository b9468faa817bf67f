"""Strict typing: ``mypy --strict`` over the runtime and the toolkit, and ``mypy.stubtest``
over the ``gobstopper-core`` stubs.

Find these with ``pytest -k typing``. Both run mypy in a subprocess from the repository
root, so they check exactly what ``.venv/bin/mypy`` and the stubtest command below check:

    MYPYPATH=rust/python python -m mypy.stubtest gobstopper_core --mypy-config-file pyproject.toml

``MYPYPATH`` puts the stubs of the source tree (``rust/python/``) before the copy installed
with the extension, so an edited stub is checked before the extension is rebuilt.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STUBS = ROOT / "rust" / "python"


def _run(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_typing_mypy_strict_finds_no_issues() -> None:
    """``[tool.mypy]`` in pyproject.toml is strict and names both packages."""
    done = _run("mypy")
    assert "Success: no issues found" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 0


def test_typing_stubtest_matches_the_built_extension() -> None:
    if importlib.util.find_spec("gobstopper_core") is None:
        if os.environ.get("GOBSTOPPER_REQUIRE_RUST") == "1":
            pytest.fail("GOBSTOPPER_REQUIRE_RUST=1 but gobstopper_core is not installed")
        pytest.skip("gobstopper_core is not installed: pip install 'gobstopper[rust]'")
    env = {**os.environ, "MYPYPATH": str(STUBS)}
    done = _run("mypy.stubtest", "gobstopper_core", "--mypy-config-file", "pyproject.toml", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout
