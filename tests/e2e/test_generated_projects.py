"""Every use case in every structure, as a new user meets it: ``gobstopper init`` from the
built wheel, then the generated README's own commands, taken from its text and run as
written, on a machine whose only sources are a folder of this checkout's wheels and a
wheelhouse of third-party ones (``--no-index``): set-up, the tests, ``ruff``, and the
server started with its run command on a free port (for the microservices structure, its
gateway and its ``core`` service), which serves a report computed by a task worker in the
web process, asked for with the token its set-up copied into ``.env``. The installed
``gobstopper`` must be this checkout's (the index's is the unrelated 0.5.x line).

Each structure is set up once with pip (Debian's ``python3`` and its pip 23, which cannot
install dependency groups) and once with uv, each in a fresh virtual environment; its
other two use cases share one environment that the README's uv command syncs, which is
as faithful and much faster. One project also runs every generator of the installed
toolkit afterwards.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from .conftest import GIT_IDENTITY, Distributions, clean_environment, run, system_python, uv

pytestmark = pytest.mark.timeout(600)

# (use case, structure, how it is set up)
MATRIX = [
    ("microservice", "single", "pip"),
    ("data-science", "single", "uv"),
    ("real-time-dashboard", "single", "shared"),
    ("content-management", "single", "shared"),
    ("data-science", "blueprints", "pip"),
    ("real-time-dashboard", "blueprints", "uv"),
    ("content-management", "blueprints", "shared"),
    ("microservice", "blueprints", "shared"),
    ("real-time-dashboard", "modular", "pip"),
    ("content-management", "modular", "uv"),
    ("microservice", "modular", "shared"),
    ("data-science", "modular", "shared"),
    ("content-management", "microservices", "pip"),
    ("microservice", "microservices", "uv"),
    ("data-science", "microservices", "shared"),
    ("real-time-dashboard", "microservices", "shared"),
]
# These also ask for the Rust core, which must come from the built wheel too.
WITH_RUST_CORE = {("microservice", "single"), ("microservice", "microservices")}
# The installed toolkit's generators, once (tests/toolkit/test_generate.py runs them in
# every structure): modular, where they also make feature packages.
WITH_GENERATORS = ("microservice", "modular")
GENERATORS = [
    ["model", "Order", "-f", "item:str", "-f", "quantity:int", "-f", "placed_at:datetime"],
    ["endpoint", "/api/orders", "-m", "POST", "--model", "Order", "--auth"],
    ["task", "ship_order", "--category", "shipping"],
    ["websocket", "/ws/orders", "--room-based"],
]
PROMPT = "$ "


def console_blocks(readme: str) -> list[list[str]]:
    """The commands of each ``console`` block of a README, prompts removed."""
    blocks = re.findall(r"^```console\n(.*?)^```", readme, flags=re.DOTALL | re.MULTILINE)
    return [
        [line[len(PROMPT) :] for line in block.splitlines() if line.startswith(PROMPT)]
        for block in blocks
    ]


def readme_commands(readme: str) -> dict[str, list[str]]:
    """The README's set-up block for pip and for uv, and its run and test commands."""
    blocks = console_blocks(readme)
    pip = next(block for block in blocks if any("pip install" in line for line in block))
    with_uv = next(block for block in blocks if any(line.startswith("uv ") for line in block))
    serve_and_test = next(block for block in blocks if any("pytest" in line for line in block))
    serve, test = serve_and_test
    return {"pip": pip, "uv": with_uv, "serve": [serve], "test": [test]}


def test_the_readme_commands_are_found_as_written() -> None:
    readme = (
        "Intro.\n\n```console\n$ python3 -m venv .venv\n$ pip install -e .\n```\n\n"
        "```console\n$ uv sync --extra test\n```\n\n"
        "```console\n$ gobstopper run   # serve\n$ python -m pytest\n```\n"
    )
    assert readme_commands(readme) == {
        "pip": ["python3 -m venv .venv", "pip install -e ."],
        "uv": ["uv sync --extra test"],
        "serve": ["gobstopper run   # serve"],
        "test": ["python -m pytest"],
    }


@dataclass(frozen=True)
class Sources:
    """How a fresh machine is emulated: ``environment`` makes pip and uv install from
    the two folders only (with their own caches), and ``bin`` holds the ``python3`` (with
    its pip) and ``uv`` a new user's shell finds first."""

    environment: dict[str, str]
    bin: Path


@pytest.fixture(scope="session")
def sources(
    tmp_path_factory: pytest.TempPathFactory, distributions: Distributions, wheelhouse: Path
) -> Sources:
    base = tmp_path_factory.mktemp("sources")
    (base / "bin").mkdir()
    (base / "bin" / "python3").symlink_to(system_python())
    (base / "bin" / "uv").symlink_to(uv())
    environment = {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": f"{distributions.directory} {wheelhouse}",
        "PIP_CACHE_DIR": str(base / "pip-cache"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "UV_NO_INDEX": "1",
        "UV_FIND_LINKS": f"{distributions.directory},{wheelhouse}",
        "UV_CACHE_DIR": str(base / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
    }
    return Sources(environment, base / "bin")


@pytest.fixture(scope="session")
def shared_environment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The virtual environment the ``shared`` projects' ``.venv`` link to; each
    project's ``uv sync`` makes it hold exactly what that project needs."""
    venv = tmp_path_factory.mktemp("shared") / "venv"
    command = [uv(), "venv", "-q", "--python", str(system_python()), str(venv)]
    run(command, venv.parent, clean_environment())
    return venv


def _system_path() -> list[str]:
    """``PATH`` without the bin folders of virtual environments (the one running the
    tests, say): what a new user's shell finds."""
    return [
        entry
        for entry in os.environ["PATH"].split(os.pathsep)
        if entry and not (Path(entry).parent / "pyvenv.cfg").exists()
    ]


def _shell(lines: list[str], project: Path, env: dict[str, str]) -> str:
    """Run README lines as one bash script that stops at the first failure."""
    script = "set -euo pipefail\n" + "\n".join(lines) + "\n"
    return run(["bash", "-c", script], project, env, timeout=420)


def _passed(report: str) -> None:
    """Fail unless pytest's summary line says that tests passed and none failed."""
    summary = report.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary), report
    assert not re.search("failed|error", summary), report


def _installed_version(distribution: str, project: Path, env: dict[str, str]) -> str:
    """The version of ``distribution`` in the project's environment; for Gobstopper,
    also that it is imported from there."""
    check = (
        "import importlib.metadata, importlib.util, pathlib, sys\n"
        f"name = {distribution!r}\n"
        "spec = importlib.util.find_spec(name.replace('-', '_'))\n"
        "origin = pathlib.Path(spec.origin).resolve()\n"
        "assert origin.is_relative_to(pathlib.Path(sys.prefix).resolve()), origin\n"
        "print(importlib.metadata.version(name))\n"
    )
    return run(["python", "-c", check], project, env).strip()


def _report(url: str) -> dict[str, object]:
    """Ask for a report with the token from ``.env.example`` and follow its task."""
    with httpx.Client(base_url=url, timeout=10) as client:
        refused = client.post("/reports", json={"values": [1, 2]})
        assert refused.status_code == 401
        headers = {"Authorization": "Bearer change-me"}
        queued = client.post("/reports", json={"values": [1, 2]}, headers=headers)
        assert queued.status_code == 202, queued.text
        for _ in range(600):
            task = client.get(queued.headers["location"], headers=headers).json()
            if task["status"] not in ("pending", "started"):
                return task
            time.sleep(0.05)
    raise AssertionError(f"the report's task is still {task['status']}")


def _dashboard_page(url: str, project_name: str) -> None:
    """The dashboard page and the charting library it loads from the project itself."""
    page = httpx.get(f"{url}/", timeout=10)
    assert page.status_code == 200, page.text
    assert f"<title>host · {project_name}</title>" in page.text
    library = httpx.get(f"{url}/static/echarts/echarts.min.js", timeout=10)
    assert library.status_code == 200
    assert len(library.content) > 500_000


def _cms_pages(url: str) -> None:
    """The CMS's public front page answers, and its admin pages ask for a sign-in."""
    with httpx.Client(base_url=url, timeout=10) as client:
        home = client.get("/")
        assert home.status_code == 200, home.text
        assert home.headers["content-type"].startswith("text/html")
        assert "<h1>Articles</h1>" in home.text
        admin = client.get("/admin")
        assert admin.status_code == 303
        assert "/login?next=/admin" in admin.headers["location"]


class _Stopwatch:
    """Seconds spent in each named step, printed at the end of a test."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.spent[name] = time.perf_counter() - started

    def __str__(self) -> str:
        return ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.spent.items())


@pytest.mark.parametrize(("usecase", "structure", "setup"), MATRIX)
def test_a_new_project_sets_up_tests_lints_and_serves_as_its_readme_says(
    usecase: str,
    structure: str,
    setup: str,
    toolkit: dict[str, str],
    sources: Sources,
    distributions: Distributions,
    shared_environment: Path,
    serve: Callable[[str, Path, dict[str, str]], str],
    tmp_path: Path,
) -> None:
    stopwatch = _Stopwatch()
    name = f"{usecase}-{structure}"
    with stopwatch.step("init"):
        arguments = ["--usecase", usecase, "--structure", structure]
        if (usecase, structure) in WITH_RUST_CORE:
            arguments += ["--data", "rust_core=true"]
        run(["gobstopper", "init", name, *arguments], tmp_path, toolkit)
    project = tmp_path / name
    commands = readme_commands((project / "README.md").read_text())

    fresh = {
        **clean_environment(),
        **GIT_IDENTITY,
        **sources.environment,
        "PATH": os.pathsep.join([str(sources.bin), *_system_path()]),
    }
    if setup == "shared":
        (project / ".venv").symlink_to(shared_environment, target_is_directory=True)
    with stopwatch.step("set-up"):
        _shell(commands["pip" if setup == "pip" else "uv"], project, fresh)
    venv = project / ".venv"
    activated = {**fresh, "VIRTUAL_ENV": str(venv), "PATH": f"{venv}/bin:{fresh['PATH']}"}
    runtime = _installed_version("gobstopper", project, activated)
    assert runtime == distributions.version(distributions.runtime)
    if (usecase, structure) in WITH_RUST_CORE:
        core = _installed_version("gobstopper-core", project, activated)
        assert core == distributions.version(distributions.core)

    with stopwatch.step("tests"):
        _passed(_shell(commands["test"], project, activated))
    run(["python", "-m", "ruff", "check", "."], project, activated)
    run(["python", "-m", "ruff", "format", "--check", "."], project, activated)

    with stopwatch.step("serve"):
        if structure == "microservices":
            gateway = serve("gobstopper run --config dev", project, activated)
            health = httpx.get(f"{gateway}/health").json()
            assert health == {"status": "ok", "service": "gateway"}
            url = serve("gobstopper run services.core.app:app", project, activated)
        else:
            url = serve(commands["serve"][0].partition("#")[0].strip(), project, activated)
        task = _report(url)
        if usecase == "content-management":
            if structure == "microservices":
                url = serve("gobstopper run services.content.app:app", project, activated)
            _cms_pages(url)
    assert task["status"] == "success", task
    assert task["result"] == {"count": 2, "mean": 1.5, "minimum": 1.0, "maximum": 2.0}
    if usecase == "real-time-dashboard":
        with stopwatch.step("dashboard"):
            if structure == "microservices":
                redis = {"APP_DASH_REDIS_URL": "redis://127.0.0.1:6379/0"}
                url = serve("gobstopper run services.web.app:app", project, activated | redis)
            _dashboard_page(url, name)

    if (usecase, structure) == WITH_GENERATORS:
        with stopwatch.step("generators"):
            for generator in GENERATORS:
                run(["gobstopper", "generate", *generator], project, toolkit)
            _passed(_shell(commands["test"], project, activated))
            run(["python", "-m", "ruff", "check", "."], project, activated)
    print(f"{name} ({setup}): {stopwatch}")
