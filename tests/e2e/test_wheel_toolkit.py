"""The toolkit as users get it: the wheel built and installed into a fresh virtual
environment, then for each structure ``gobstopper init``, the project's tests, ``gobstopper
run`` answering ``/health``, all four generators, and the tests again.

Offline: the new environment takes the wheel's own code and template from the wheel and
only its dependencies from the locked development environment (through a ``.pth`` file).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from ..backends import free_port

ROOT = Path(__file__).resolve().parents[2]
GENERATORS = [
    ["model", "Order", "-f", "item:str", "-f", "quantity:int", "-f", "placed_at:datetime"],
    ["endpoint", "/api/orders", "-m", "POST", "--model", "Order", "--auth"],
    ["task", "ship_order", "--category", "shipping"],
    ["websocket", "/ws/orders", "--room-based"],
]


def _uv() -> str:
    found = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    if not Path(found).exists():
        pytest.fail("uv is needed to build the wheel; make sync installs it")
    return found


def _run(command: list[str], directory: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        command, cwd=directory, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """``(bin directory, environment)`` of a fresh venv holding the built wheel."""
    base = tmp_path_factory.mktemp("wheel")
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("VIRTUAL_ENV")
    }
    environment["GOBSTOPPER_TEMPLATE_CACHE"] = str(base / "template-cache")
    _run([_uv(), "build", "--wheel", "-q", "-o", str(base / "dist")], ROOT, environment)
    (wheel,) = (base / "dist").glob("gobstopper-*.whl")
    _run([_uv(), "venv", "-q", "--python", sys.executable, str(base / "venv")], base, environment)
    python = base / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "locked-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = [_uv(), "pip", "install", "-q", "--offline", "--no-deps", "--python", str(python)]
    _run([*install, str(wheel)], base, environment)
    environment["PATH"] = f"{python.parent}{os.pathsep}{environment['PATH']}"
    located = _run(
        ["python", "-c", "import gobstopper_toolkit; print(gobstopper_toolkit.__file__)"],
        base,
        environment,
    )
    assert located.startswith(str(base / "venv")), located
    return python.parent, environment


def _serves_health(project: Path, environment: dict[str, str]) -> dict[str, str]:
    port = free_port()
    server = subprocess.Popen(
        ["gobstopper", "run", "--config", "dev", "--port", str(port)],
        cwd=project,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, "gobstopper run exited"
                assert time.monotonic() < deadline, "gobstopper run did not answer"
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("structure", ["single", "blueprints", "modular", "microservices"])
def test_the_installed_toolkit_makes_working_projects(
    structure: str, venv: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _, environment = venv
    started = time.perf_counter()
    _run(
        ["gobstopper", "init", "shop", "--usecase", "microservice", "--structure", structure],
        tmp_path,
        {
            **environment,
            "GIT_AUTHOR_NAME": "T",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "T",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        },
    )
    print(f"gobstopper init ({structure}) took {time.perf_counter() - started:.2f}s")
    project = tmp_path / "shop"
    pytest_command = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    assert " passed" in _run(pytest_command, project, environment)

    health = _serves_health(project, environment)
    assert health["status"] == "ok"

    for arguments in GENERATORS:
        _run(["gobstopper", "generate", *arguments], project, environment)
    report = _run(pytest_command, project, environment)
    assert "failed" not in report
    for name in ("model_order", "endpoint_post_api_orders", "task_ship_order"):
        assert (project / "tests" / f"test_{name}.py").is_file()
    _run(["python", "-m", "ruff", "check", "."], project, environment)
