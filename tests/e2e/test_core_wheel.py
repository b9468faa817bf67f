"""The Rust core as users get it: ``gobstopper-core`` built by maturin into two wheels, one
for this CPython (calls into Python through vectorcall) and one abi3 wheel for any CPython
3.10+, each installed into a fresh virtual environment beside the ``gobstopper`` wheel,
and used.

Offline: both wheels come from this checkout; the runtime's other dependencies come from
the locked development environment through a ``.pth`` file (after the venv's own
packages, so the freshly installed core is the one imported).
"""

from __future__ import annotations

import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import Distributions, clean_environment, run, uv

TAG = f"cp{sys.version_info.major}{sys.version_info.minor}"
#: Each core wheel: its tags in the file name and its extension module's name.
WHEELS = {
    "this-python": (f"-{TAG}-{TAG}-", f"_native{sysconfig.get_config_var('EXT_SUFFIX')}"),
    "abi3": ("-cp310-abi3-", "_native.abi3.so"),
}


def _wheel(distributions: Distributions, kind: str) -> Path:
    return distributions.core if kind == "this-python" else distributions.portable_core


@pytest.mark.parametrize("kind", sorted(WHEELS))
def test_each_core_wheel_has_its_tags_module_and_stubs(
    distributions: Distributions, kind: str
) -> None:
    tags, module = WHEELS[kind]
    wheel = _wheel(distributions, kind)
    assert tags in wheel.name
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "gobstopper_core/__init__.py",
        f"gobstopper_core/{module}",
        "gobstopper_core/_native.pyi",
        "gobstopper_core/py.typed",
    } <= names
    assert not any(name.startswith("gobstopper/") for name in names), "never the runtime's"


@pytest.mark.parametrize("kind", sorted(WHEELS))
def test_installed_beside_the_runtime_it_serves_requests(
    distributions: Distributions, tmp_path: Path, kind: str
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
    wheel = _wheel(distributions, kind)
    run([*install, str(distributions.runtime), str(wheel)], tmp_path, environment)
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
    assert WHEELS[kind][1] in run(
        [str(python), "-c", "import gobstopper_core._native as n; print(n.__file__)"],
        tmp_path,
        environment,
    )
    version = run([str(python), "-m", "gobstopper", "version"], tmp_path, environment)
    assert "rust core  rust 0.6.0" in version
