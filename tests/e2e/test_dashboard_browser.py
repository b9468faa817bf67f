"""A generated dashboard project's page in a real browser (Debian's Chromium driven by
Playwright): posted metrics show up in its live charts, which update in place."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.conftest import Server, start_server
from tests.dashboard import TOKEN, dashboard_environment, render_dashboard
from tests.e2e.test_example_app_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

TICK = 0.5


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    project = render_dashboard(tmp_path)
    server = start_server(project, "app:app", env=dashboard_environment(project, TICK))
    yield server
    server.stop()


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        yield context.new_page()
        context.close()
        browser.close()


def test_posted_metrics_update_the_live_charts(server: Server, page: Page, tmp_path: Path) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}/?dashboard=shop")
    assert page.title() == "shop · dash"
    page.wait_for_selector("#status.live")

    headers = {"Authorization": f"Bearer {TOKEN}"}
    chart = page.locator('section.chart[data-metric="shop.orders"]')
    seen: list[str] = []
    for value in range(1, 7):
        points = [{"name": "shop.orders", "value": value}, {"name": "shop.basket", "value": 2}]
        posted = page.request.post(f"{server.url}/api/metrics", data=points, headers=headers)
        assert posted.status == 202, posted.text()
        page.wait_for_function(
            "([selector, n]) => document.querySelector(selector)?.textContent.includes(n)",
            arg=['section.chart[data-metric="shop.orders"] .stats', f"last={value}"],
            timeout=10_000,
        )
        seen.append(chart.locator(".stats").inner_text())

    updates = int(chart.get_attribute("data-updates") or 0)
    assert updates >= 3
    assert seen[-1].startswith("n=6 mean=3.50 min=1 max=6")
    assert page.locator("section.chart").count() == 2
    # ECharts drew into a canvas in each chart, from the project's own copy of it.
    assert page.locator('section.chart[data-metric="shop.orders"] canvas').count() >= 1
    assert all(url.startswith((server.url, "ws://127.0.0.1")) for url in requested), requested
    assert f"{server.url}/static/echarts/echarts.min.js" in requested
    assert any(re.search(r"/api/charts/shop\.orders\?window=300&bucket=1", u) for u in requested)
    assert errors == []

    screenshot = tmp_path / "dashboard.png"
    page.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot: {screenshot}")
    assert screenshot.stat().st_size > 10_000
