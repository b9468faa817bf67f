"""docs/security.rst: the middleware stack (security headers, CORS, sessions, CSRF), a
nonce-based CSP, and rate limiting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gobstopper import Gobstopper, Request
from gobstopper.middleware import SecurityMiddleware
from gobstopper.sessions import MemorySessionStore
from gobstopper.testing import TestClient, TestResponse

from .conftest import StoppedClock
from .ledger import docs_page

LEDGER = docs_page("security")
STACK = LEDGER.run("from gobstopper.middleware import (")
CSRF_FORM = LEDGER.run('<form method="post">')
CSP = LEDGER.run("app.add_middleware(SecurityMiddleware(")
NONCE = LEDGER.run('<script nonce="{{ csp_nonce() }}">startApp()</script>')
RATE_LIMIT = LEDGER.run("from gobstopper.utils.rate_limiter import (")

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SITE = "https://app.example.com"


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


@pytest.fixture
def client(workdir: Path) -> TestClient:
    """The stack on an application with a form page (the CSRF sample) and an API route."""
    (workdir / "templates").mkdir()
    (workdir / "templates" / "form.html").write_text(CSRF_FORM.text)
    app = Gobstopper("docs_sample")
    STACK.exec(app=app, store=MemorySessionStore())

    @app.get("/form")
    async def form():
        return await app.render_template("form.html")

    @app.post("/form")
    async def submit():
        return {"saved": True}

    @app.post("/api/items")
    async def api_items():
        return {"created": True}

    with TestClient(app) as test_client:
        yield test_client


def test_form_posts_need_the_session_token(client: TestClient) -> None:
    page = client.get("/form")
    token = TOKEN.search(page.text)
    assert token is not None
    assert client.post("/form", data={}).status_code == 403
    assert client.post("/form", data={"csrf_token": "forged"}).status_code == 403
    accepted = client.post("/form", data={"csrf_token": token[1]})
    assert (accepted.status_code, accepted.json()) == (200, {"saved": True})


def test_exempt_api_needs_no_token(client: TestClient) -> None:
    assert client.post("/api/items", json={}).json() == {"created": True}


def test_security_headers_and_cors_for_the_listed_origin_only(client: TestClient) -> None:
    allowed = client.get("/form", headers={"origin": SITE})
    other = client.get("/form", headers={"origin": "https://evil.example"})
    assert allowed.headers["x-frame-options"]
    assert allowed.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in allowed.headers
    assert allowed.headers["access-control-allow-origin"] == SITE
    assert "access-control-allow-origin" not in other.headers


def _nonce_page(render: str) -> TestResponse:
    app = Gobstopper("docs_sample")
    CSP.exec(app=app, SecurityMiddleware=SecurityMiddleware)

    @app.get("/")
    async def page():
        if render == "file":
            return await app.render_template("page.html")
        return await app.render_template_string(NONCE.text)

    with TestClient(app) as client:
        return client.get("/")


def test_csp_nonce_matches_the_script_tag(workdir: Path) -> None:
    (workdir / "templates").mkdir()
    (workdir / "templates" / "page.html").write_text(NONCE.text)
    response = _nonce_page("file")
    policy = response.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None
    assert "default-src 'self'" in policy
    assert response.text == f'<script nonce="{nonce[1]}">startApp()</script>'


def test_csp_nonce_in_a_template_string_on_the_first_request(workdir: Path) -> None:
    response = _nonce_page("string")
    assert response.status_code == 200
    assert "nonce=" in response.text


def test_login_is_rate_limited(workdir: Path, limiter_clock: StoppedClock) -> None:
    app = Gobstopper("docs_sample")
    RATE_LIMIT.exec(app=app, Request=Request)
    with TestClient(app) as client:
        burst = [client.post("/login") for _ in range(5)]
        refused = client.post("/login")
    assert [r.status_code for r in burst] == [204] * 5
    assert burst[0].headers["ratelimit-limit"] == "5"
    assert burst[-1].headers["ratelimit-remaining"] == "0"
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
