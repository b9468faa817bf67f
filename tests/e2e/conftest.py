"""What the end-to-end tests share: this checkout's two distributions built once per
session, a virtual environment holding the built toolkit (the ``gobstopper`` that runs
``init`` and ``generate``), a wheelhouse of the third-party packages generated projects
install, and helpers to run commands.

Gobstopper's own distributions only ever come from the directory built here; the
wheelhouse holds everything else and is kept between runs (it is downloaded once from
the package index, whose ``gobstopper`` is the unrelated 0.5.x line).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from packaging.markers import Marker

from ..backends import free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# What running the examples leaves behind (``make demo`` uploads, task files, caches):
# never copied into a test's folder, so a demo run before the tests cannot change them.
EXAMPLE_ARTEFACTS = shutil.ignore_patterns(
    "uploads", "var", "*.duckdb", "*.duckdb.wal", "__pycache__", "*.pyc", ".pytest_cache"
)

#: What a generated project may install besides Gobstopper's own distributions: the
#: runtime's dependencies and extras, the service kit, the ``test`` extra and the build
#: backend (hatchling, and the ``editables`` it asks for on an editable install). Keep it
#: in step with project-templates/project/pyproject.toml.jinja.
THIRD_PARTY = [
    "httpx>=0.27",
    "prometheus-client>=0.20",
    "pytest>=8",
    "pytest-asyncio>=0.24",
    "ruff>=0.6",
    "hatchling>=1.25",
    "editables~=0.3",
    "scikit-learn>=1.4",
    "skops>=0.10",
    "numpy>=1.26",
    "nbclient>=0.10",
    "nbformat>=5.10",
    "ipykernel>=6.29",
    # The real-time-dashboard projects: the charts extra and the host collector.
    "pyecharts>=2.0",
    "psutil>=5.9",
    # The content-management projects' own dependencies.
    "jinja2>=3.1",
    "sqlalchemy[asyncio]>=2.0.30",
    "alembic>=1.13",
    "aiosqlite>=0.20",
    "argon2-cffi>=23.1",
    "markdown-it-py>=3.0",
    "nh3>=0.2.17",
    "pillow>=10.4",
]
OUR_DISTRIBUTIONS = ("gobstopper", "gobstopper-core")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "T",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "T",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def uv() -> str:
    """The ``uv`` executable (``make sync`` installs it)."""
    found = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    if not Path(found).exists():
        pytest.fail("uv is needed to build the wheels; make sync installs it")
    return found


def run(command: list[str], directory: Path, env: dict[str, str], timeout: float = 300) -> str:
    """Run ``command``; its standard output, or a failure showing both outputs."""
    done = subprocess.run(
        command, cwd=directory, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def clean_environment() -> dict[str, str]:
    """This process's environment without what would point pip, uv or Python elsewhere
    (an active virtual environment, index and cache settings)."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VIRTUAL_ENV", "PIP_", "UV_", "PYTHON"))
    }


def copy_examples(destination: Path, source: Path = EXAMPLES) -> None:
    """Copy ``examples/`` to ``destination`` without what running them left behind."""
    shutil.copytree(source, destination, ignore=EXAMPLE_ARTEFACTS)


def wait_until_answering(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Return once ``url`` answers; fail when ``process`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            assert process.poll() is None, f"the server exited with {process.returncode}"
            assert time.monotonic() < deadline, f"{url} did not answer in {timeout:g}s"
            time.sleep(0.1)


@pytest.fixture
def serve() -> Iterator[Callable[[str, Path, dict[str, str]], str]]:
    """Start a server command (a shell line) on a free port, appended as ``--port``;
    its base URL once it answers. Stopped after the test."""
    servers: list[subprocess.Popen[bytes]] = []

    def start(line: str, directory: Path, env: dict[str, str]) -> str:
        port = free_port()
        log = directory / f"server-{port}.log"
        with log.open("wb") as handle:
            server = subprocess.Popen(
                ["bash", "-c", f"exec {line} --port {port}"],
                cwd=directory,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        servers.append(server)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_answering(f"{url}/health", server)
        except AssertionError as error:
            raise AssertionError(f"{line}: {error}\n{log.read_text()}") from None
        return url

    yield start
    for server in servers:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass(frozen=True)
class Distributions:
    """The wheels built from this checkout, alone in their directory."""

    directory: Path
    runtime: Path
    #: The Rust core built for this CPython (the faster one, installers prefer it).
    core: Path
    #: The Rust core built for any CPython 3.10+ (abi3), for the other versions.
    portable_core: Path

    def version(self, wheel: Path) -> str:
        """The version in a wheel's file name."""
        return wheel.name.split("-")[1]


@pytest.fixture(scope="session")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> Distributions:
    """``gobstopper`` and ``gobstopper-core`` (maturin), built by ``make wheels`` as the
    README says."""
    directory = tmp_path_factory.mktemp("dist")
    started = time.perf_counter()
    run(["make", "-s", "wheels", f"DIST={directory}", f"UV={uv()}"], ROOT, clean_environment())
    (runtime,) = directory.glob("gobstopper-*.whl")
    cores = sorted(directory.glob("gobstopper_core-*.whl"))
    (core,) = [wheel for wheel in cores if "-abi3-" not in wheel.name]
    (portable_core,) = [wheel for wheel in cores if "-abi3-" in wheel.name]
    print(f"built the wheels in {time.perf_counter() - started:.1f}s")
    return Distributions(directory, runtime, core, portable_core)


@pytest.fixture(scope="session")
def toolkit(
    tmp_path_factory: pytest.TempPathFactory, distributions: Distributions
) -> dict[str, str]:
    """An environment whose ``gobstopper`` is the built wheel in a fresh virtual
    environment, with git identified. Offline: the wheel's dependencies come from the
    locked development environment through a ``.pth`` file."""
    base = tmp_path_factory.mktemp("toolkit")
    environment = clean_environment()
    environment["GOBSTOPPER_TEMPLATE_CACHE"] = str(base / "template-cache")
    run([uv(), "venv", "-q", "--python", sys.executable, str(base / "venv")], base, environment)
    python = base / "venv" / "bin" / "python"
    purelib = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        base,
        environment,
    ).strip()
    Path(purelib, "locked-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = [uv(), "pip", "install", "-q", "--offline", "--no-deps", "--python", str(python)]
    run([*install, str(distributions.runtime)], base, environment)
    environment["PATH"] = f"{python.parent}{os.pathsep}{environment['PATH']}"
    located = run(
        ["python", "-c", "import gobstopper_toolkit; print(gobstopper_toolkit.__file__)"],
        base,
        environment,
    )
    assert located.startswith(str(base / "venv")), located
    return {**environment, **GIT_IDENTITY}


def system_python() -> Path:
    """The Python a new user's ``python3`` is: Debian's (with its pip 23) when there is
    one, else the first ``python3`` with pip."""
    for candidate in ("/usr/bin/python3", shutil.which("python3"), sys.executable):
        if candidate and Path(candidate).exists():
            has_pip = subprocess.run(
                [candidate, "-m", "pip", "--version"], capture_output=True, text=True
            )
            if has_pip.returncode == 0:
                return Path(candidate)
    pytest.fail("no python3 with pip on this machine")


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def _requirements(wheel: Path) -> list[str]:
    """The ``Requires-Dist`` lines of a wheel's metadata."""
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        lines = archive.read(metadata).decode().splitlines()
    return [line for line in lines if line.startswith("Requires-Dist:")]


#: The Pythons generated projects support, for pins that hold for some of them only.
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")


def _python_for(marker: str) -> str | None:
    """The first supported Python a pin's marker holds for (its wheels are fetched for
    that Python, so ``uv lock`` finds every version it resolved), or ``None`` for pins
    without a Python condition, fetched for the running one."""
    if "python" not in marker:
        return None
    condition = Marker(marker)
    for python in SUPPORTED_PYTHONS:
        if condition.evaluate({"python_version": python, "python_full_version": f"{python}.0"}):
            return python
    return None


def _download_rounds(compiled: str) -> list[tuple[str | None, list[str]]]:
    """``uv pip compile --universal`` output as ``pip download`` rounds: by the Python
    a pin is for, and a package pinned several times (one version per Python) once a
    round."""
    rounds: list[tuple[str | None, list[str]]] = []
    for line in compiled.splitlines():
        pin, _, marker = (part.strip() for part in line.partition(";"))
        name = pin.split("==")[0]
        if not pin or name in OUR_DISTRIBUTIONS:
            continue
        python = _python_for(marker)
        free = next(
            (
                pinned
                for target, pinned in rounds
                if target == python and name not in {p.split("==")[0] for p in pinned}
            ),
            None,
        )
        if free is None:
            free = []
            rounds.append((python, free))
        free.append(pin)
    return rounds


@pytest.fixture(scope="session")
def wheelhouse(distributions: Distributions) -> Path:
    """Wheels of every third-party package a generated project may need, for every
    Python the projects support (so ``uv lock`` can resolve universally). Downloaded once
    and kept under ``~/.cache/gobstopper-tests``, by what was asked for: a later run with
    the same requirements needs no network."""
    version = distributions.version(distributions.runtime)
    wanted = "\n".join([f"gobstopper[tasks,redis,postgres,rust]>={version}", *THIRD_PARTY])
    asked = "\n".join([wanted, *_requirements(distributions.runtime)])
    key = hashlib.sha256(asked.encode()).hexdigest()[:16]
    house = _cache_home() / "gobstopper-tests" / f"wheelhouse-{key}"
    if house.is_dir():
        return house
    environment = clean_environment()
    compile_command = [uv(), "pip", "compile", "-", "--universal", "--python-version", "3.10"]
    compile_command += ["--find-links", str(distributions.directory)]
    compile_command += ["--no-header", "--no-annotate", "--quiet"]
    done = subprocess.run(
        compile_command, input=wanted, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, f"resolving from the package index failed:\n{done.stderr}"
    partial = house.with_name(f".{house.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    download = [str(system_python()), "-m", "pip", "download", "-q", "--no-deps"]
    download += ["--only-binary", ":all:", "--ignore-requires-python", "-d", str(partial)]
    for python, pinned in _download_rounds(done.stdout):
        targeted = ["--python-version", python] if python else []
        run([*download, *targeted, *pinned], ROOT, environment)
    try:
        partial.rename(house)
    except OSError:  # another run finished the same wheelhouse first
        shutil.rmtree(partial, ignore_errors=True)
    return house


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, shared by a module's tests (the modules
    using it import ``test_example_app_browser``, which skips them without Chromium)."""
    from playwright.sync_api import sync_playwright

    from .test_example_app_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
