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


def test_guarded_operations_declare_the_bearer_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "development")
    with TestClient(create_app()) as client:
        document = client.get("/openapi.json").json()
    guarded = document["paths"]["/tasks/{task_id}"]["get"]
    assert guarded["security"] == [{"bearerAuth": []}]
    assert "401" in guarded["responses"]
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    open_to_all = document["paths"]["/health"]["get"]
    assert "security" not in open_to_all and "401" not in open_to_all["responses"]
