"""Choosing between the Rust core and pure Python, and telling users which one runs."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from gobstopper import Gobstopper
from gobstopper.accelerators import implementation, native
from gobstopper.testing import TestClient

HAS_CORE = importlib.util.find_spec("gobstopper_core") is not None


def _run(code: str, **env: str) -> str:
    environment = {key: value for key, value in os.environ.items() if key != "GOBSTOPPER_NO_RUST"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**environment, **env},
    )
    return result.stdout.strip()


def test_no_rust_selects_pure_python_even_with_the_core_installed() -> None:
    code = "from gobstopper import accelerators as a; print(a.native(), a.implementation())"
    assert _run(code, GOBSTOPPER_NO_RUST="1") == "None python (GOBSTOPPER_NO_RUST is set)"


@pytest.mark.skipif(not HAS_CORE, reason="the Rust core is not installed")
def test_the_core_is_used_when_installed() -> None:
    code = "from gobstopper.accelerators import implementation; print(implementation())"
    assert _run(code) == "rust 0.6.0"
    assert _run("import gobstopper._core as core; print(core.__version__)") == "0.6.0"


def test_version_reports_the_active_implementation() -> None:
    command = "from gobstopper.cli import main; main(['version'])"
    assert "rust core  python (GOBSTOPPER_NO_RUST is set)" in _run(command, GOBSTOPPER_NO_RUST="1")
    expected = "rust core  rust 0.6.0" if HAS_CORE else "rust core  python (gobstopper-core"
    assert expected in _run(command)


def test_the_app_routes_through_the_active_implementation() -> None:
    app = Gobstopper(__name__, static_folder=None)

    @app.get("/items/<int:item_id>")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    with TestClient(app) as client:
        assert client.get("/items/7").json() == {"id": 7}
        assert client.get("/items/x").status_code == 404
    assert app._router.accelerated is (native() is not None)
    assert implementation().startswith("rust" if native() is not None else "python")


def test_startup_logs_the_implementation_once(caplog: pytest.LogCaptureFixture) -> None:
    import gobstopper.accelerators as accelerators

    accelerators._logged = False
    with caplog.at_level("INFO", logger="gobstopper"):
        for _ in range(2):
            with TestClient(Gobstopper(__name__, static_folder=None)):
                pass
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("implementation")]
    assert lines == [f"implementation: {implementation()}"]
