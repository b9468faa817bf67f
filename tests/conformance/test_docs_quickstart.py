"""docs/quickstart.rst: the first application runs as written, in process and under
``gobstopper run``, and answers the documented request with the documented output."""

from __future__ import annotations

import re
import shutil
from importlib.metadata import metadata
from pathlib import Path

import pytest

from gobstopper.testing import TestClient

from .ledger import docs_page
from .shell import run, start_server

LEDGER = docs_page("quickstart")
INSTALL = LEDGER.run("$ pip install gobstopper            # the runtime: Granian + msgspec")
APP = LEDGER.run("import msgspec")
SERVE = LEDGER.run(
    "$ gobstopper run            # finds app.py:app, serves on http://127.0.0.1:8000"
)


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


def test_the_install_commands_name_real_extras() -> None:
    assert INSTALL.commands() == ["pip install gobstopper", 'pip install "gobstopper[dev]"']
    assert "dev" in (metadata("gobstopper").get_all("Provides-Extra") or [])


def test_first_application(workdir: Path) -> None:
    with TestClient(APP.exec()["app"]) as client:
        index = client.get("/")
        created = client.post("/users", json={"name": "Ann", "age": 41})
        shown = client.get("/users/1")
        missing = client.get("/users/2")
    assert (index.text, index.headers["content-type"]) == (
        "<h1>Hello</h1>",
        "text/html; charset=utf-8",
    )
    assert (created.status_code, created.json()) == (201, {"id": 1})
    assert shown.json() == {"name": "Ann", "age": 41}
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ('{"name": "Ann"', {"content-type": "application/json"}, 400),
        ('{"name": "Ann", "age": 1}', {"content-type": "text/plain"}, 415),
        ('{"name": "Ann", "age": "forty"}', {"content-type": "application/json"}, 422),
    ],
)
def test_bad_input_gets_the_documented_4xx(
    workdir: Path, body: str, headers: dict[str, str], status: int
) -> None:
    with TestClient(APP.exec()["app"]) as client:
        assert client.post("/users", content=body, headers=headers).status_code == status


def test_oversized_body_gets_413(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOBSTOPPER_JSON_MAX_BYTES", "64")
    with TestClient(APP.exec()["app"]) as client:
        response = client.post("/users", json={"name": "A" * 100, "age": 1})
    assert response.status_code == 413


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_request_prints_the_documented_error(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP.text)
    (serve, _), (curl, shown) = SERVE.transcript()
    server = start_server(serve, tmp_path, "-p", "{port}")
    try:
        result = run(curl.replace("localhost:8000", f"127.0.0.1:{server.port}"), tmp_path)
    finally:
        server.stop()
    documented = re.sub(r", \.\.\.}$", "", shown[0])
    assert result.stdout.startswith(documented), result.stdout
