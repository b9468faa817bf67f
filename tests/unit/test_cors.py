"""CORS: preflight answers, actual requests, Vary, and refused configurations."""

from __future__ import annotations

from typing import Any

import pytest

from gobstopper import Gobstopper
from gobstopper.middleware import CORSMiddleware
from gobstopper.testing import TestClient

ALLOWED = "https://app.example.com"


def client_for(**options: Any) -> TestClient:
    app = Gobstopper(__name__, static_folder=None)
    app.add_middleware(CORSMiddleware(**options))

    @app.get("/data")
    async def data():
        return {"ok": True}, 200, {"X-Request-Id": "7"}

    @app.put("/data")
    async def replace():
        return {"replaced": True}

    return TestClient(app)


def preflight(client: TestClient, origin: str, method: str, headers: str = "") -> Any:
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return client.options("/data", headers=request_headers)


CREDENTIALED = {
    "origins": [ALLOWED],
    "headers": ["X-CSRF-Token"],
    "allow_credentials": True,
    "expose_headers": ["X-Request-Id"],
    "max_age": 120,
}


def test_an_allowed_preflight_gets_the_permissions() -> None:
    with client_for(**CREDENTIALED) as client:
        response = preflight(client, ALLOWED, "PUT", "x-csrf-token, content-type")
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "PUT" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == "x-csrf-token, content-type"
    assert response.headers["access-control-max-age"] == "120"
    assert "Origin" in response.headers["vary"]


@pytest.mark.parametrize(
    ("origin", "method", "headers", "reason"),
    [
        ("https://evil.example", "GET", "", "origin https://evil.example is not allowed"),
        (ALLOWED, "TRACE", "", "method TRACE is not allowed"),
        (ALLOWED, "PUT", "x-secret", "header(s) x-secret not allowed"),
    ],
)
def test_a_refused_preflight_gets_403_and_no_cors_headers(
    origin: str, method: str, headers: str, reason: str
) -> None:
    with client_for(**CREDENTIALED) as client:
        response = preflight(client, origin, method, headers)
    assert response.status_code == 403
    assert reason in response.text
    assert not [name for name in response.headers if name.startswith("access-control-")]


def test_an_actual_request_from_an_allowed_origin() -> None:
    with client_for(**CREDENTIALED) as client:
        response = client.get("/data", headers={"Origin": ALLOWED})
    assert response.json() == {"ok": True}
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "X-Request-Id"
    assert response.headers["vary"] == "Origin"


def test_other_origins_get_the_response_without_cors_headers() -> None:
    with client_for(**CREDENTIALED) as client:
        response = client.get("/data", headers={"Origin": "https://evil.example"})
        same_origin = client.get("/data")
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"
    assert same_origin.headers["vary"] == "Origin"  # caches must keep them apart


def test_any_origin_without_credentials_uses_the_wildcard() -> None:
    with client_for(origins=["*"]) as client:
        response = client.get("/data", headers={"Origin": "https://anyone.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "vary" not in response.headers


def test_the_wildcard_is_never_combined_with_credentials() -> None:
    with pytest.raises(ValueError, match="cannot go with origins"):
        CORSMiddleware(origins=["*"], allow_credentials=True)


def test_an_origin_regex() -> None:
    with client_for(origin_regex=r"https://[a-z]+\.example\.org", allow_credentials=True) as c:
        allowed = c.get("/data", headers={"Origin": "https://shop.example.org"})
        refused = c.get("/data", headers={"Origin": "https://shop.example.org.evil.com"})
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example.org"
    assert "access-control-allow-origin" not in refused.headers
