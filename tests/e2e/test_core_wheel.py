"""The Rust core as users get it: ``gobstopper-core`` built by maturin into an abi3 wheel,
installed into a fresh virtual environment beside the ``gobstopper`` wheel, and used.

Offline: both wheels come from this checkout; the runtime's other dependencies come from
the locked development environment through a ``.pth`` file (after the venv's own
packages, so the freshly installed core is the one imported).
"""

from __future__ import annotations

import sys
import sysconfig
import zipfile
from pathlib import Path

from .conftest import Distributions, clean_environment, run, uv


def test_the_core_wheel_is_abi3_with_its_stubs(distributions: Distributions) -> None:
    assert "-cp310-abi3-" in distributions.core.name
    names = set(zipfile.ZipFile(distributions.core).namelist())
    assert {
        "gobstopper_core/__init__.py",
        "gobstopper_core/_native.abi3.so",
        "gobstopper_core/_native.pyi",
        "gobstopper_core/py.typed",
    } <= names
    assert not any(name.startswith("gobstopper/") for name in names), "never the runtime's"


def test_installed_beside_the_runtime_it_serves_requests(
    distributions: Distributions, tmp_path: Path
) -> None:
    environment = clean_environment()
    environment.pop("GOBSTOPPER_NO_RUST", None)
    run(
        [uv(), "venv", "-q", "--python", sys.executable, str(tmp_path / "venv")],
        tmp_path,
        environment,
    )
    python = tmp_path / "venv" / "bin" / "python"
    purelib = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        tmp_path,
        environment,
    ).strip()
    Path(purelib, "locked-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = [uv(), "pip", "install", "-q", "--offline", "--no-deps", "--python", str(python)]
    run([*install, str(distributions.runtime), str(distributions.core)], tmp_path, environment)
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
    lines = run([str(python), "-c", check], tmp_path, environment).splitlines()
    assert lines[0] == "{'id': 9} True"
    assert lines[1].startswith(purelib)
    version = run([str(python), "-m", "gobstopper", "version"], tmp_path, environment)
    assert "rust core  rust 0.6.0" in version
