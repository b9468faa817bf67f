"""The Rust core as users get it: ``gobstopper-core`` built by maturin into an abi3 wheel,
installed into a fresh virtual environment beside the ``gobstopper`` wheel, and used.

Offline: both wheels come from this checkout; the runtime's other dependencies come from
the locked development environment through a ``.pth`` file (after the venv's own
packages, so the freshly installed core is the one imported).
"""

from __future__ import annotations

import os
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .test_wheel_toolkit import ROOT, _run, _uv


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("wheels")
    environment = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    _run([_uv(), "build", "--wheel", "-q", "-o", str(out)], ROOT, environment)
    _run([_uv(), "build", "--wheel", "-q", "-o", str(out), "rust"], ROOT, environment)
    (runtime,) = out.glob("gobstopper-*.whl")
    (core,) = out.glob("gobstopper_core-*.whl")
    return {"runtime": runtime, "core": core}


def test_the_core_wheel_is_abi3_with_its_stubs(wheels: dict[str, Path]) -> None:
    assert "-cp310-abi3-" in wheels["core"].name
    names = set(zipfile.ZipFile(wheels["core"]).namelist())
    assert {
        "gobstopper_core/__init__.py",
        "gobstopper_core/_native.abi3.so",
        "gobstopper_core/_native.pyi",
        "gobstopper_core/py.typed",
    } <= names
    assert not any(name.startswith("gobstopper/") for name in names), "never the runtime's"


def test_installed_beside_the_runtime_it_serves_requests(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    environment.pop("GOBSTOPPER_NO_RUST", None)
    _run(
        [_uv(), "venv", "-q", "--python", sys.executable, str(tmp_path / "venv")],
        tmp_path,
        environment,
    )
    python = tmp_path / "venv" / "bin" / "python"
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        tmp_path,
        environment,
    ).strip()
    Path(purelib, "locked-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = [_uv(), "pip", "install", "-q", "--offline", "--no-deps", "--python", str(python)]
    _run([*install, str(wheels["runtime"]), str(wheels["core"])], tmp_path, environment)
    check = (
        "import gobstopper._core, gobstopper_core\n"
        "from gobstopper import Gobstopper\n"
        "from gobstopper.testing import TestClient\n"
        "app = Gobstopper('probe', static_folder=None)\n"
        "@app.get('/items/<int:item_id>')\n"
        "async def item(item_id: int):\n"
        "    return {'id': item_id}\n"
        "with TestClient(app) as client:\n"
        "    print(client.get('/items/9').json(), app._router.accelerated)\n"
        "print(gobstopper_core.__file__)\n"
    )
    lines = _run([str(python), "-c", check], tmp_path, environment).splitlines()
    assert lines[0] == "{'id': 9} True"
    assert lines[1].startswith(purelib)
    version = _run([str(python), "-m", "gobstopper", "version"], tmp_path, environment)
    assert "rust core  rust 0.6.0" in version
