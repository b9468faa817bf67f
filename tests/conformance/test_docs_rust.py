"""docs/rust.rst: the commands that tell which implementation runs print what the page
shows, and a template outside the Rust subset logs the documented reason."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from gobstopper import Gobstopper
from gobstopper.accelerators import native
from gobstopper.testing import TestClient

from .ledger import docs_page
from .shell import run

LEDGER = docs_page("rust")
WHICH = LEDGER.run(
    '$ python -c "import gobstopper._core"      # succeeds when the core is installed'
)
FALLBACK_LOG = LEDGER.run(
    "template 'report.html' is rendered by Jinja2: it uses the filter 'map' (line 12)"
)


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


@pytest.fixture
def rust_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Rust core, installed and not turned off (the page's commands set
    GOBSTOPPER_NO_RUST themselves where they mean to)."""
    pytest.importorskip("gobstopper_core", reason="the Rust core is not installed")
    monkeypatch.delenv("GOBSTOPPER_NO_RUST", raising=False)


def test_which_one_runs(rust_core: None, tmp_path: Path) -> None:
    for command, shown in WHICH.transcript():
        result = run(command, tmp_path)
        assert result.returncode == 0, f"{command}: {result.stderr}"
        assert result.stdout.splitlines() == shown, command


def test_a_template_outside_the_subset_logs_why(
    rust_core: None, workdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    if native() is None:  # chosen at import; the fixture's environment comes too late
        pytest.skip("this process serves through pure Python (GOBSTOPPER_NO_RUST is set)")
    (workdir / "templates").mkdir()
    lines = [
        "<ul>",
        *[f"<li>{n}</li>" for n in range(10)],
        "{% for n in names|map('upper') %}{{ n }}{% endfor %}",
    ]
    (workdir / "templates" / "report.html").write_text("\n".join(lines))
    app = Gobstopper("docs_sample")

    @app.get("/")
    async def report():
        return await app.render_template("report.html", names=["a", "b"])

    with caplog.at_level(logging.INFO, logger="gobstopper.templates"), TestClient(app) as client:
        assert client.get("/").text.endswith("AB")
    messages = [r.getMessage() for r in caplog.records if r.name == "gobstopper.templates"]
    assert FALLBACK_LOG.text.strip() in messages
