"""docs/templates.rst: rendering a template, and what every template sees."""

from __future__ import annotations

from pathlib import Path

from gobstopper import Gobstopper
from gobstopper.testing import TestClient

from .ledger import docs_page

LEDGER = docs_page("templates")
HELLO = LEDGER.run("from gobstopper import Gobstopper")
CONTEXT = LEDGER.run("@app.context_processor")


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


def test_hello_template(workdir: Path) -> None:
    (workdir / "templates").mkdir()
    (workdir / "templates" / "hello.html").write_text("<p>Hello {{ name }}!</p>")
    with TestClient(HELLO.exec()["app"]) as client:
        response = client.get("/hello/<Ann>")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == "<p>Hello &lt;Ann&gt;!</p>"


async def load_user() -> str:
    """What the context processor sample awaits but does not define."""
    return "Ann"


def test_context_processor_filter_and_global(workdir: Path) -> None:
    app = Gobstopper("docs_sample")
    CONTEXT.exec(app=app, load_user=load_user)

    @app.get("/")
    async def page():
        return await app.render_template_string("{{ user }} {{ 1250|euros }} {{ year() }}")

    with TestClient(app) as client:
        assert client.get("/").text == "Ann €12.50 2026"
