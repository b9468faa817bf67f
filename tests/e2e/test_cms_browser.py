"""A generated content-management project in a real browser (Debian's Chromium driven by
Playwright), served by ``gobstopper run --config dev`` as its README says: an admin signs
in, uploads an image, writes an article showing it, publishes it and finds it on the
public site; a viewer they invite cannot reach the admin pages."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import Server, start_server

# Skips this module (or fails it, with GOBSTOPPER_REQUIRE_BROWSER=1) without Chromium.
from tests.e2e import test_example_app_browser  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

ADMIN = "admin@example.com"
PASSWORD = "correct horse battery"


def _png(width: int, height: int) -> bytes:
    """A real PNG: an orange rectangle."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xf0\x80\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    image = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + image


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A new CMS project (blueprints structure), its first admin, and its server."""
    base = tmp_path_factory.mktemp("cms")
    environment = {
        **os.environ,
        "GOBSTOPPER_TEMPLATE_CACHE": str(base / "template-cache"),
        "APP_DATA_DIR": str(base / "var"),
        "GOBSTOPPER_SECRET_KEY": "a secret key for this browser test",
    }
    init = [sys.executable, "-m", "gobstopper", "init", "newsroom", "--no-git"]
    init += ["--usecase", "content-management", "--structure", "blueprints"]
    subprocess.run(init, cwd=base, env=environment, check=True, capture_output=True)
    project = base / "newsroom"
    admin = [sys.executable, "-m", "gobstopper", "create-admin", ADMIN, "--name", "Ada"]
    made = subprocess.run(
        [*admin, "--password", PASSWORD], cwd=project, env=environment, capture_output=True
    )
    assert made.returncode == 0, made.stderr.decode()
    server = start_server(project, "--config", "dev", env=environment)
    yield server
    server.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _sign_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/admin")
    page.wait_for_url(f"{url}/login?next=/admin")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_an_admin_publishes_an_article_with_an_image(
    site: Server, page: Page, tmp_path: Path
) -> None:
    _sign_in(page, site.url, ADMIN, PASSWORD)
    page.wait_for_url(f"{site.url}/admin")
    expect(page.locator("h1")).to_have_text("Dashboard")

    photo = tmp_path / "harbour at dawn.png"
    photo.write_bytes(_png(400, 240))
    page.goto(f"{site.url}/admin/media")
    page.set_input_files("input[type=file]", str(photo))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_url(f"{site.url}/admin/media")
    expect(page.locator(".media li a")).to_have_text("harbour_at_dawn.png")
    thumbnail = page.locator(".media img")
    assert page.evaluate("(img) => img.naturalWidth", thumbnail.element_handle()) == 320

    page.goto(f"{site.url}/admin/content/new")
    snippet = page.locator(".snippets code").first.inner_text()
    assert snippet.startswith("![harbour_at_dawn.png](/media/")
    page.fill("input[name=title]", "Harbour opens at dawn")
    page.fill("textarea[name=body]", f"The *new* harbour opened today.\n\n{snippet}\n")
    page.fill("input[name=tags]", "harbour, city")
    page.click("button[name=preview]")
    expect(page.locator(".preview em")).to_have_text("new")
    expect(page.locator(".preview img")).to_have_count(1)
    page.screenshot(path=str(tmp_path / "cms-editor.png"), full_page=True)
    page.select_option("select[name=status]", "published")
    page.click("button[name=save]")
    page.wait_for_url(f"{site.url}/admin/content/*")

    page.goto(f"{site.url}/admin/content")
    row = page.locator("table.list tbody tr", has_text="Harbour opens at dawn")
    expect(row.locator(".status")).to_have_text("published")
    page.screenshot(path=str(tmp_path / "cms-admin-list.png"), full_page=True)

    page.goto(f"{site.url}/")
    page.click("text=Harbour opens at dawn")
    page.wait_for_url(f"{site.url}/harbour-opens-at-dawn")
    expect(page.locator("article h1")).to_have_text("Harbour opens at dawn")
    image = page.locator("article .body img")
    expect(image).to_have_attribute("alt", "harbour_at_dawn.png")
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) == 400
    for name in ("cms-editor.png", "cms-admin-list.png"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_an_invited_viewer_cannot_reach_the_admin_pages(
    site: Server, browser: Browser, page: Page
) -> None:
    _sign_in(page, site.url, ADMIN, PASSWORD)
    page.wait_for_url(f"{site.url}/admin")
    page.goto(f"{site.url}/admin/users")
    page.fill("input[name=email]", "reader@example.com")
    page.select_option("form[action='/admin/users'] select[name=role]", "viewer")
    page.click("form[action='/admin/users'] button[type=submit]")
    link = page.locator(".notice code").inner_text()
    assert link.startswith("/reset/")

    viewer = browser.new_context().new_page()
    viewer.goto(f"{site.url}{link}")
    viewer.fill("input[name=password]", "a viewer's password")
    viewer.click("button[type=submit]")
    viewer.wait_for_url(f"{site.url}/admin")
    assert "viewers cannot use the admin pages" in viewer.content()
    for path in ("/admin/content", "/admin/content/new", "/admin/media", "/admin/users"):
        response = viewer.goto(f"{site.url}{path}")
        assert response is not None
        assert response.status == 403, path
    viewer.context.close()
