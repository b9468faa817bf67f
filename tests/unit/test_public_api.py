"""The import paths the README promises keep working."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_public_imports_run() -> None:
    text = README.read_text()
    section = text[text.index("Public imports:") :]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    assert block is not None
    namespace: dict[str, object] = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)
    for name in ("notification", "CORSMiddleware", "TokenBucketLimiter", "RedisRoomManager"):
        assert name in namespace
