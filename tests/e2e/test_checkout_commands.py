"""The checkout's own commands behave as CI needs: ``make test`` runs every pass (the
toolkit's tests beside the others, then the pure-Python pass) even after one failed, and
fails when any did; and the browser test's copy of ``examples/`` leaves behind what a
``make demo`` run wrote there."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT, clean_environment, copy_examples

PREREQUISITES = ("lint", "docs", "browser", "rust-check")
TOOLKIT = "run --frozen pytest tests/e2e tests/toolkit"
WITH_RUST = "run --frozen pytest --ignore=tests/e2e --ignore=tests/toolkit"
PURE_PYTHON = "run --frozen pytest tests/unit "


def _make_test(tmp_path: Path, failing: str, status: int) -> tuple[int, list[str]]:
    """``make test`` with a ``uv`` that records each call (with ``GOBSTOPPER_NO_RUST``)
    and exits with ``status`` for calls containing ``failing``, 0 for the others."""
    calls = tmp_path / "calls"
    fake_uv = tmp_path / "uv"
    fake_uv.write_text(
        "#!/bin/sh\n"
        f'echo "${{GOBSTOPPER_NO_RUST:-}}|$*" >> {calls}\n'
        f'case "$*" in *"{failing}"*) exit {status};; esac\n'
        "exit 0\n"
    )
    fake_uv.chmod(0o755)
    skipped = [argument for target in PREREQUISITES for argument in ("-o", target)]
    done = subprocess.run(
        ["make", "-s", *skipped, "test", f"UV={fake_uv}"],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, calls.read_text().splitlines()


@pytest.mark.parametrize(
    ("failing", "status"),
    [("pytest", 1), (TOOLKIT, 1), (WITH_RUST, 1), ("tests/unit", 1), (TOOLKIT, 5)],
    ids=["every pass", "the toolkit's", "with Rust", "pure Python", "toolkit collects none"],
)
def test_make_test_runs_every_pass_and_fails_when_one_fails(
    tmp_path: Path, failing: str, status: int
) -> None:
    returncode, calls = _make_test(tmp_path, failing, status)
    assert returncode != 0
    assert len(calls) == 3, calls
    assert f"|{TOOLKIT}" in calls
    others = [call for call in calls if call != f"|{TOOLKIT}"]
    assert others[0] == f"|{WITH_RUST}"
    assert others[1].startswith(f"1|{PURE_PYTHON}")


def test_make_test_passes_when_every_pass_does(tmp_path: Path) -> None:
    returncode, calls = _make_test(tmp_path, "no call has this", 1)
    assert returncode == 0
    assert len(calls) == 3, calls


def test_the_examples_are_copied_without_what_a_demo_run_left(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    for name in ("example_app.py", "templates/index.html", "static/css/site.css"):
        (examples / name).parent.mkdir(parents=True, exist_ok=True)
        (examples / name).write_text("source")
    for name in ("uploads/report.txt", "var/tasks.duckdb", "tasks.duckdb.wal"):
        (examples / name).parent.mkdir(parents=True, exist_ok=True)
        (examples / name).write_text("left by make demo")
    (examples / "__pycache__").mkdir()
    (examples / "__pycache__" / "example_app.cpython-311.pyc").write_bytes(b"")
    copy_examples(tmp_path / "copy", examples)
    copied = sorted(
        str(path.relative_to(tmp_path / "copy"))
        for path in (tmp_path / "copy").rglob("*")
        if path.is_file()
    )
    assert copied == ["example_app.py", "static/css/site.css", "templates/index.html"]
