"""What the CMS's tests share: users made straight in the database, and a browser-like
client that signs in through the login form and sends the CSRF token its pages carry."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
from gobstopper.testing import TestClient

from cms.accounts import create_user
from cms.db import Database
from cms.migrate import upgrade
from cms.site import site

__all__ = ["PASSWORD", "Visitor", "add_user", "csrf_from"]

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_user(role: str) -> str:
    """A new user with ``role`` and :data:`PASSWORD`; their e-mail."""
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"

    async def create() -> None:
        database = Database(site.settings.database_url)
        try:
            await upgrade(database.open())
            async with database.session() as db:
                await create_user(db, email, role.title(), role, PASSWORD)
        finally:
            await database.close()

    asyncio.run(create())
    return email


def csrf_from(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _CSRF.search(html)
    assert found, f"no CSRF token on the page:\n{html[:500]}"
    return found.group(1)


class Visitor:
    """One person's browser on the shared test client: their own cookies and the latest
    CSRF token they were given."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.cookies = httpx.Cookies()
        self.csrf = ""

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        """A request with this visitor's cookies; the cookies it sets are kept."""
        self.client.cookies = self.cookies
        try:
            return self.client.request(method, path, **options)
        finally:
            self.cookies = httpx.Cookies(self.client.cookies)
            self.client.cookies = httpx.Cookies()

    def get(self, path: str, **options: Any) -> httpx.Response:
        return self.request("GET", path, **options)

    def sign_in(self, email: str, password: str = PASSWORD) -> int:
        """Fill in and send the login form; the status it got (303 when signed in)."""
        self.csrf = csrf_from(self.get("/login").text)
        form = {"email": email, "password": password, "csrf_token": self.csrf}
        return self.request("POST", "/login", data=form).status_code

    def post_form(self, path: str, data: dict[str, str], **options: Any) -> httpx.Response:
        """A form post carrying this visitor's CSRF token."""
        return self.request("POST", path, data={**data, "csrf_token": self.csrf}, **options)

    def api(self, method: str, path: str, **options: Any) -> httpx.Response:
        """An API call by session, with the CSRF token in its header."""
        headers = {"X-CSRF-Token": self.csrf, "Accept": "application/json"}
        return self.request(method, path, headers=headers, **options)
