"""The checkout's own commands behave as CI needs: ``make test`` runs the pure-Python pass
even after the first pass failed (and still fails), and the browser test's copy of
``examples/`` leaves behind what a ``make demo`` run wrote there."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .conftest import ROOT, clean_environment, copy_examples

PREREQUISITES = ("lint", "docs", "browser", "rust-check")


def test_make_test_runs_the_pure_python_pass_after_a_failing_first_pass(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    failing_uv = tmp_path / "uv"
    failing_uv.write_text(f'#!/bin/sh\necho "${{GOBSTOPPER_NO_RUST:-}}|$*" >> {calls}\nexit 1\n')
    failing_uv.chmod(0o755)
    skipped = [argument for target in PREREQUISITES for argument in ("-o", target)]
    done = subprocess.run(
        ["make", "-s", *skipped, "test", f"UV={failing_uv}"],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    first, second = calls.read_text().splitlines()
    assert first == "|run --frozen pytest"
    assert second.startswith("1|run --frozen pytest tests/unit ")


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
