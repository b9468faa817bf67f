"""docs/uploads.rst: a form with a file, saved where the sample says, and its test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gobstopper import Gobstopper
from gobstopper.testing import TestClient

from .ledger import docs_page

LEDGER = docs_page("uploads")
PHOTOS = LEDGER.run("from gobstopper import Request, secure_filename")
TESTING = LEDGER.run("response = client.post(")

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


@pytest.fixture
def client(workdir: Path) -> TestClient:
    (workdir / "uploads").mkdir()
    app = Gobstopper("docs_sample")
    PHOTOS.exec(app=app, Path=Path)
    with TestClient(app) as test_client:
        yield test_client


def test_photo_is_saved_under_a_safe_name(client: TestClient, workdir: Path) -> None:
    response = client.post(
        "/photos",
        data={"title": "Beach"},
        files={"photo": ("../../beach day.png", PNG, "image/png")},
    )
    assert (response.status_code, response.json()) == (201, {"title": "Beach", "bytes": 72})
    assert (workdir / "uploads" / "beach_day.png").read_bytes() == PNG


def test_the_testing_sample(client: TestClient) -> None:
    namespace: dict[str, Any] = TESTING.exec(client=client, png_bytes=PNG)
    assert namespace["response"].status_code == 201
    assert namespace["response"].json() == {"title": "Beach", "bytes": len(PNG)}
