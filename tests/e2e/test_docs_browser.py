"""The docs page of ``enable_docs`` in a real browser, offline: every request to a host
other than the application's own server is blocked and recorded, and there must be none."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Server, start_server

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

from playwright.sync_api import (  # noqa: E402
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    sync_playwright,
)

pytestmark = pytest.mark.e2e

APP = '''
import msgspec

from gobstopper import Blueprint, Gobstopper
from gobstopper.openapi import enable_docs
from gobstopper.security import SecurityMiddleware


class Item(msgspec.Struct):
    name: str
    price: float


app = Gobstopper(__name__)
app.add_middleware(SecurityMiddleware())  # the default CSP: scripts from this origin only
ITEMS = {7: Item("gobstopper", 2.5)}


@app.get("/items/<int:item_id>")
async def show_item(item_id: int) -> Item:
    """Show one item."""
    return ITEMS[item_id]


@app.post("/items")
async def add_item(item: Item) -> tuple[Item, int]:
    """Add an item."""
    ITEMS[len(ITEMS) + 7] = item
    return item, 201


reports = Blueprint("reports", __name__, url_prefix="/reports")


@reports.get("/sales")
async def sales(year: int = 2024) -> dict[str, int]:
    """Sales of a year."""
    return {"year": year, "total": 12}


app.register_blueprint(reports)
enable_docs(app, title="Sweet Shop API")
'''


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    project = tmp_path / "shop"
    project.mkdir()
    (project / "app.py").write_text(APP)
    server = start_server(project, "app:app")
    yield server
    server.stop()


class _Offline:
    """Lets requests to the server through and blocks (and records) every other one."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.served: list[str] = []
        self.blocked: list[str] = []

    def __call__(self, route: Route) -> None:
        url = route.request.url
        if url == self.origin or url.startswith(self.origin + "/"):
            self.served.append(url)
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture
def context() -> Iterator[BrowserContext]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        yield context
        context.close()
        browser.close()


@pytest.fixture
def offline(server: Server, context: BrowserContext) -> _Offline:
    network = _Offline(server.url)
    context.route("**/*", network)
    return network


@pytest.fixture
def console_errors() -> list[str]:
    """What the page logs as errors (a Content-Security-Policy refusal among them)."""
    return []


@pytest.fixture
def page(context: BrowserContext, offline: _Offline, console_errors: list[str]) -> Page:
    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    page = context.new_page()
    page.on("console", record)
    return page


def test_docs_page_lists_the_operations_with_no_other_host(
    server: Server, page: Page, offline: _Offline, console_errors: list[str]
) -> None:
    page.goto(f"{server.url}/docs")
    operations = page.locator(".opblock")
    operations.nth(2).wait_for(timeout=20_000)

    assert page.title() == "Sweet Shop API"
    assert "Sweet Shop API" in page.locator(".info .title").inner_text()
    summaries = [
        (
            block.locator(".opblock-summary-method").inner_text(),
            block.locator(".opblock-summary-path").inner_text().replace("\u200b", ""),
            block.locator(".opblock-summary-description").inner_text(),
        )
        for block in operations.all()
    ]
    assert sorted(summaries) == [
        ("GET", "/items/{item_id}", "Show one item."),
        ("GET", "/reports/sales", "Sales of a year."),
        ("POST", "/items", "Add an item."),
    ]
    assert page.locator(".opblock-tag", has_text="reports").count() == 1
    assert f"{server.url}/openapi.json" in offline.served
    assert offline.blocked == []
    assert console_errors == []


def test_try_it_out_calls_the_server(server: Server, page: Page, offline: _Offline) -> None:
    page.goto(f"{server.url}/docs")
    operation = page.locator(".opblock-get", has_text="/items/")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("input[placeholder='item_id']").fill("7")
    operation.get_by_role("button", name="Execute").click()

    status = operation.locator(".live-responses-table .response .response-col_status")
    status.first.wait_for(timeout=20_000)
    assert status.first.inner_text().strip() == "200"
    assert (
        '"gobstopper"' in operation.locator(".live-responses-table .microlight").first.inner_text()
    )
    assert f"{server.url}/items/7" in offline.served
    assert offline.blocked == []
