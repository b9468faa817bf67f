"""docs/static-files.rst: a static folder ahead of the router, and files from handlers."""

from __future__ import annotations

from pathlib import Path

import pytest

from gobstopper import Gobstopper
from gobstopper.testing import TestClient

from .ledger import docs_page

LEDGER = docs_page("static-files")
MIDDLEWARE = LEDGER.run("from gobstopper.middleware import StaticFileMiddleware")
SENDING = LEDGER.run("from gobstopper import send_file, send_from_directory")

PDF = b"%PDF-1.7 invoice"


async def build_pdf() -> bytes:
    """What the sending sample awaits but does not define."""
    return PDF


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


def test_static_middleware_serves_the_folder(workdir: Path) -> None:
    (workdir / "public").mkdir()
    (workdir / "public" / "site.css").write_text("body { margin: 0 }")
    (workdir / "secret.txt").write_text("private")
    app = Gobstopper("docs_sample")
    MIDDLEWARE.exec(app=app)
    with TestClient(app) as client:
        css = client.get("/assets/site.css")
        again = client.get("/assets/site.css", headers={"if-none-match": css.headers["etag"]})
        escape = client.get("/assets/%2e%2e%2fsecret.txt")
    assert (css.status_code, css.text) == (200, "body { margin: 0 }")
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert css.headers["cache-control"] == "no-cache"
    assert again.status_code == 304
    assert escape.status_code == 404


@pytest.fixture
def client(workdir: Path) -> TestClient:
    (workdir / "exports").mkdir()
    (workdir / "exports" / "rapport août.csv").write_text("a,b\n")
    app = Gobstopper("docs_sample")
    SENDING.exec(app=app, build_pdf=build_pdf)
    with TestClient(app) as test_client:
        yield test_client


def test_send_from_directory_as_attachment(client: TestClient) -> None:
    response = client.get("/exports/rapport août.csv")
    assert response.text == "a,b\n"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"rapport aot.csv\"; filename*=UTF-8''rapport%20ao%C3%BBt.csv"
    )
    assert client.get("/exports/../exports/rapport août.csv").status_code == 404


def test_send_file_of_bytes(client: TestClient) -> None:
    response = client.get("/invoice.pdf")
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="invoice.pdf"'
    ranged = client.get("/invoice.pdf", headers={"range": "bytes=0-3"})
    assert (ranged.status_code, ranged.content) == (206, b"%PDF")
