"""A real-time-dashboard project rendered by ``gobstopper init``, for the tests that serve
it (the browser test and the two-worker test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["TOKEN", "dashboard_environment", "render_dashboard"]

#: The API token the served project accepts.
TOKEN = "dashboard-test-token"


def render_dashboard(directory: Path, structure: str = "single") -> Path:
    """Render a dashboard project of ``structure`` into ``directory``; its path."""
    command = [sys.executable, "-m", "gobstopper", "init", "dash", "--defaults"]
    command += ["--usecase", "real-time-dashboard", "--structure", structure]
    done = subprocess.run(command, cwd=directory, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return directory / "dash"


def dashboard_environment(project: Path, tick: float, **more: str) -> dict[str, str]:
    """The served project's settings: a known token, its files in the project, ``tick``."""
    return {
        "APP_API_TOKEN": TOKEN,
        "APP_DATA_DIR": str(project / "var"),
        "APP_DASH_TICK": str(tick),
        **more,
    }
