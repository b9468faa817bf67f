"""The examples and the benchmark scripts are imported as their users run them: from
``examples/``, ``benchmarks/tfb/`` and ``benchmarks/`` on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TFB = ROOT / "benchmarks" / "tfb"
BENCHMARKS = ROOT / "benchmarks"

for folder in (BENCHMARKS, EXAMPLES, TFB):  # inserted first to last: tfb's run.py wins
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
