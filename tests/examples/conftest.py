"""The examples and the TechEmpower scripts are imported as their users run them: from
``examples/`` and ``benchmarks/tfb/`` on the import path."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TFB = ROOT / "benchmarks" / "tfb"

for folder in (EXAMPLES, TFB):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
