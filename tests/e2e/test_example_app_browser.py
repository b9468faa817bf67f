"""The example app's page in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Server, start_server
from tests.e2e.conftest import copy_examples

CHROMIUM = "/usr/bin/chromium"
# Flags for a sandboxed machine with no outside network (see the project's CI notes).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
    reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
    if os.environ.get("GOBSTOPPER_REQUIRE_BROWSER") == "1":
        raise RuntimeError(reason)
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    workdir = tmp_path / "example"
    copy_examples(workdir)
    server = start_server(workdir, "example_app:app")
    yield server
    server.stop()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        yield context.new_page()
        context.close()
        browser.close()


def test_page_lists_todos_created_through_the_api(
    server: Server, page: Page, tmp_path: Path
) -> None:
    page.goto(f"{server.url}/")
    assert page.title() == "Gobstopper demo"
    assert page.locator("#todos li").inner_text() == "No todos yet."

    created = page.request.post(f"{server.url}/api/todos", data={"title": "<b>buy</b> gobstoppers"})
    assert created.status == 201

    page.reload()
    items = page.locator("#todos li")
    assert items.count() == 1
    assert items.first.inner_text() == "○ <b>buy</b> gobstoppers"
    assert page.locator("#todos b").count() == 0

    page.click("a[href='/api/todos']")
    page.wait_for_url(f"{server.url}/api/todos")
    listed = json.loads(page.locator("body").inner_text())
    assert listed == [{"id": 1, "title": "<b>buy</b> gobstoppers", "done": False}]

    screenshot = tmp_path / "example.png"
    page.goto(f"{server.url}/")
    page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 1000


def test_stylesheet_is_applied(server: Server, page: Page) -> None:
    page.goto(f"{server.url}/")
    color = page.evaluate("getComputedStyle(document.body).color")
    assert color == "rgb(34, 34, 51)"


def test_upload_then_download_an_attachment(server: Server, page: Page, tmp_path: Path) -> None:
    page.goto(f"{server.url}/")
    assert page.locator("#attachments li").inner_text() == "No attachments yet."
    report = tmp_path / "quarterly report (final).txt"
    report.write_text("numbers go up\n")

    page.set_input_files("#upload input[type=file]", str(report))
    page.click("#upload button")
    page.wait_for_url(f"{server.url}/")

    assert page.locator(".notification.success").inner_text() == (
        "Uploaded quarterly_report_final.txt (14 bytes)"
    )
    link = page.locator("#attachments a")
    assert link.inner_text() == "quarterly_report_final.txt"
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "quarterly_report_final.txt"
    saved = tmp_path / "downloaded.txt"
    download.save_as(saved)
    assert saved.read_text() == "numbers go up\n"
