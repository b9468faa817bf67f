"""The OpenAPI document and the docs page are served in development only (``APP_ENV``)."""

from __future__ import annotations

import pytest
from gobstopper.testing import TestClient

from factory import create_app


@pytest.mark.parametrize(("environment", "status"), [("development", 200), ("production", 404)])
def test_the_docs_are_served_in_development_only(
    environment: str, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_ENV", environment)
    with TestClient(create_app()) as client:
        document = client.get("/openapi.json")
        page = client.get("/docs")
    assert document.status_code == status
    assert page.status_code == status
    if status == 200:
        assert document.json()["openapi"].startswith("3.1")
        assert "/health" in document.json()["paths"]
        assert "text/html" in page.headers["content-type"]
