"""CSRF protection and security headers through the TestClient."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from gobstopper import Gobstopper, Request
from gobstopper.middleware import CSRFMiddleware, SecurityMiddleware, SessionMiddleware
from gobstopper.security import csrf_exempt
from gobstopper.sessions import MemorySessionStore
from gobstopper.testing import TestClient

FORM = '<form method="post"><input name="csrf_token" value="{{ csrf_token() }}"></form>'
TOKEN = re.compile(r'value="([^"]+)"')


def csrf_app() -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None, secret_key="csrf-secret")
    app.init_templates()
    app.add_middleware(SessionMiddleware(MemorySessionStore()))
    app.add_middleware(CSRFMiddleware(exempt_paths=["/hooks/"]))

    @app.get("/form")
    async def form():
        return await app.render_template_string(FORM)

    @app.post("/comment")
    async def comment(request: Request):
        return {"saved": (await request.get_form()).get("text")}

    @app.post("/api/items")
    async def api_items(request: Request):
        return {"saved": await request.get_json()}

    @app.post("/webhook")
    @csrf_exempt
    async def webhook():
        return {"ok": True}

    @app.post("/hooks/github")
    async def github():
        return {"ok": True}

    return app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(csrf_app()) as client:
        yield client


def token_for(client: TestClient) -> str:
    match = TOKEN.search(client.get("/form").text)
    assert match is not None
    return match.group(1)


def test_a_form_post_with_the_sessions_token_passes(client: TestClient) -> None:
    token = token_for(client)
    response = client.post("/comment", data={"csrf_token": token, "text": "hi"})
    assert response.status_code == 200
    assert response.json() == {"saved": "hi"}


def test_tokens_differ_per_page_but_all_stay_valid(client: TestClient) -> None:
    first, second = token_for(client), token_for(client)
    assert first != second
    for token in (first, second):
        assert client.post("/comment", data={"csrf_token": token}).status_code == 200


def test_a_post_without_a_token_is_refused_with_a_clear_403(client: TestClient) -> None:
    token_for(client)
    response = client.post("/comment", data={"text": "hi"}, headers={"accept": "application/json"})
    assert response.status_code == 403
    assert "CSRF token missing" in response.text


def test_a_token_from_another_session_is_refused(client: TestClient) -> None:
    with TestClient(csrf_app()) as attacker:
        stolen = token_for(attacker)
    token_for(client)
    response = client.post("/comment", data={"csrf_token": stolen})
    assert response.status_code == 403
    assert "does not belong to this session" in response.text


@pytest.mark.parametrize("token", ["", "x", "not-base64!!", "A" * 86, "A" * 10000])
def test_malformed_tokens_are_refused(client: TestClient, token: str) -> None:
    token_for(client)
    assert client.post("/comment", headers={"X-CSRF-Token": token}).status_code == 403


def test_json_requests_send_the_token_in_a_header(client: TestClient) -> None:
    token = token_for(client)
    assert client.post("/api/items", json={"a": 1}).status_code == 403
    response = client.post("/api/items", json={"a": 1}, headers={"X-CSRF-Token": token})
    assert response.json() == {"saved": {"a": 1}}


def test_exempt_handlers_and_paths_skip_the_check(client: TestClient) -> None:
    assert client.post("/webhook").status_code == 200
    assert client.post("/hooks/github").status_code == 200


def test_a_post_without_any_session_is_refused(client: TestClient) -> None:
    assert client.post("/comment", data={"csrf_token": "whatever"}).status_code == 403


def security_app(**options: object) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None, trusted_proxies=["10.0.0.1"])
    app.init_templates()
    app.add_middleware(SecurityMiddleware(**options))  # type: ignore[arg-type]

    @app.get("/")
    async def index():
        return await app.render_template_string('<script nonce="{{ csp_nonce() }}">1</script>')

    @app.get("/framed")
    async def framed():
        return "ok", 200, {"X-Frame-Options": "SAMEORIGIN"}

    return app


def test_default_security_headers() -> None:
    with TestClient(security_app()) as client:
        headers = client.get("/").headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["permissions-policy"] == "camera=(), microphone=(), geolocation=()"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["content-security-policy"].startswith("default-src 'self'; ")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "strict-transport-security" not in headers  # plain HTTP


def test_a_header_the_handler_set_is_kept() -> None:
    with TestClient(security_app()) as client:
        assert client.get("/framed").headers["x-frame-options"] == "SAMEORIGIN"


def test_csp_nonce_matches_the_template_and_changes_per_request() -> None:
    app = security_app(csp={"default-src": "'self'", "script-src": ["'self'", "{nonce}"]})
    with TestClient(app) as client:
        nonces = []
        for _ in range(2):
            response = client.get("/")
            nonce = re.search(r'nonce="([^"]+)"', response.text).group(1)  # type: ignore[union-attr]
            policy = response.headers["content-security-policy"]
            assert policy == f"default-src 'self'; script-src 'self' 'nonce-{nonce}'"
            nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_hsts_only_over_https_unless_forced() -> None:
    with TestClient(security_app(), base_url="https://example.test") as client:
        assert client.get("/").headers["strict-transport-security"] == (
            "max-age=31536000; includeSubDomains"
        )
    with TestClient(security_app(), client_addr="10.0.0.1:4000") as client:
        behind_proxy = client.get("/", headers={"X-Forwarded-Proto": "https"}).headers
        assert "strict-transport-security" in behind_proxy
    with TestClient(security_app(), client_addr="192.0.2.9:4000") as client:
        spoofed = client.get("/", headers={"X-Forwarded-Proto": "https"}).headers
        assert "strict-transport-security" not in spoofed  # not a trusted proxy
    with TestClient(security_app(hsts=True, hsts_preload=True)) as client:
        assert "preload" in client.get("/").headers["strict-transport-security"]


def test_headers_can_be_turned_off() -> None:
    with TestClient(security_app(csp=None, frame_options=None)) as client:
        headers = client.get("/").headers
    assert "content-security-policy" not in headers
    assert "x-frame-options" not in headers
