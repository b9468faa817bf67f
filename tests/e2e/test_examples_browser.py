"""Every page of ``examples/example_app.py`` clicked through in a real browser (Debian's
Chromium driven by Playwright): typed API answers, a background job's live progress, a
chat between two pages, 429 with Retry-After, the CSRF-protected form, the timing
middleware and the session, with no script or CSP error on any page."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Response,
    expect,
)

from tests.conftest import Server, start_server

# Skips this module (or fails it, with GOBSTOPPER_REQUIRE_BROWSER=1) without Chromium.
from tests.e2e import test_example_app_browser  # noqa: F401

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("examples") / "examples"
    shutil.copytree(EXAMPLES, workdir, ignore=shutil.ignore_patterns("__pycache__"))
    data = workdir.parent / "data"
    server = start_server(workdir, "example_app:app", env={"EXAMPLE_DATA_DIR": str(data)})
    yield server
    server.stop()


#: What Chromium logs for every 4xx answer, including those the demos ask for on purpose.
HTTP_ERROR_LOG = "Failed to load resource: the server responded with a status of 4"


class Tab:
    """A page in a browser context of its own, which records script errors, CSP
    violations and sub-resources (styles, scripts, icons) that failed to load."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.context = browser.new_context(base_url=base_url)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith(HTTP_ERROR_LOG):
            self.errors.append(message.text)

    def _response(self, response: Response) -> None:
        if response.request.resource_type not in ("document", "fetch") and response.status >= 400:
            self.errors.append(f"{response.status} for {response.url}")


@pytest.fixture
def open_tab(browser: Browser, server: Server) -> Iterator[Callable[[], Tab]]:
    tabs: list[Tab] = []

    def open_one() -> Tab:
        tab = Tab(browser, server.url)
        tabs.append(tab)
        return tab

    yield open_one
    for tab in tabs:
        assert tab.errors == [], tab.errors
        tab.context.close()


@pytest.fixture
def page(open_tab: Callable[[], Tab]) -> Page:
    return open_tab().page


def test_navigation_reaches_every_page(page: Page) -> None:
    page.goto("/")
    titles = []
    for label in ("Routing", "Tasks", "Chat", "Security", "Middleware", "Session", "Overview"):
        page.click(f"nav >> text={label}")
        expect(page.locator("nav a[aria-current=page]")).to_have_text(label)
        titles.append(page.title())
    assert titles[-1] == "Gobstopper demo"
    assert all("Gobstopper demo" in title for title in titles)


def test_routing_form_shows_json_and_4xx_answers(page: Page) -> None:
    page.goto("/routing")
    page.fill("#todo-form input[name=title]", "from the browser")
    page.click("#todo-form button")
    status = page.locator("#answer-status")
    expect(status).to_have_text(re.compile(r"^201 Created · location: /api/todos/\d+$"))
    expect(page.locator("#answer-body")).to_contain_text('"title": "from the browser"')
    for case, code in (("blank", 422), ("number", 422), ("malformed", 400), ("form", 415)):
        page.click(f"button[data-case={case}]")
        expect(status).to_have_attribute("data-status", str(code))
    expect(page.locator("#answer-body")).to_contain_text('"status": 415')
    page.click("a[href='/api/todos']")
    assert "from the browser" in page.content()


def test_a_job_shows_live_progress_until_it_succeeds(page: Page) -> None:
    page.goto("/tasks")
    page.fill("#job-form input[name=steps]", "5")
    page.click("#job-form button")
    row = page.locator("#jobs tr.job").first
    expect(row.locator(".status")).to_have_text("started")
    page.wait_for_function(
        "() => { const bar = document.querySelector('#jobs tr.job progress');"
        " return bar.value > 0 && bar.value < 5; }"
    )
    expect(row.locator(".status")).to_have_text("success", timeout=15000)
    expect(row.locator(".done")).to_have_text("5/5")
    expect(row.locator(".result")).to_have_text("sum = 55")
    assert row.locator("progress").evaluate("bar => bar.value") == 5
    page.fill("#job-form input[name=steps]", "99")
    page.evaluate("document.querySelector('#job-form input[name=steps]').removeAttribute('max')")
    page.click("#job-form button")
    expect(page.locator("#job-error")).to_contain_text("422")


def test_two_pages_chat_in_a_room(open_tab: Callable[[], Tab]) -> None:
    alice, bob = open_tab().page, open_tab().page
    for page, name in ((alice, "alice"), (bob, "bob")):
        page.goto("/chat")
        page.fill("#join input[name=room]", "browsers")
        page.fill("#join input[name=name]", name)
        page.click("#join button")
    expect(alice.locator("#chat-status")).to_have_text("In room browsers: 2 here.")
    alice.fill("#say input[name=text]", "hello <b>bob</b>")
    alice.click("#say button")
    expect(bob.locator("#messages li.said")).to_have_text("alice: hello <b>bob</b>")
    expect(alice.locator("#messages li.said")).to_have_text("alice: hello <b>bob</b>")
    assert bob.locator("#messages b").count() == 0
    bob.close()
    expect(alice.locator("#chat-status")).to_have_text("In room browsers: 1 here.")


def test_security_page_csrf_form_rate_limit_and_headers(page: Page) -> None:
    page.goto("/security")
    headers = page.locator("#headers tbody")
    expect(headers).to_contain_text("x-frame-options")
    expect(headers.locator("tr", has_text="x-frame-options").locator("td").nth(1)).to_have_text(
        "DENY"
    )
    expect(headers).to_contain_text("default-src 'self'")
    page.click("#forged")
    expect(page.locator("#forged-answer")).to_have_text(re.compile(r"^403: CSRF token missing"))
    page.fill("#guestbook input[name=line]", "signed with a token")
    page.click("#guestbook button")
    expect(page.locator(".notification.success")).to_contain_text("Signed")
    expect(page.locator("#lines li").first).to_have_text("signed with a token")
    answer = page.locator("#ping-answer")
    for left in ("2", "1", "0"):
        page.click("#ping")
        expect(answer).to_have_text(f"200 · {left} left in the bucket")
    page.click("#ping")
    expect(answer).to_have_text("429 Too Many Requests · Retry-After: 5 s")


def test_middleware_page_shows_the_measured_times(page: Page) -> None:
    page.goto("/middleware")
    page.click("#slow")
    expect(page.locator("#slow-answer")).to_contain_text("Server-Timing: app;dur=3")
    page.reload()
    row = page.locator("#timings tr", has_text="/api/slow").first
    assert float(row.locator("td").nth(3).inner_text()) >= 300


def test_session_counts_visits_and_flashes_once(page: Page) -> None:
    page.goto("/session")
    expect(page.locator("#visits")).to_contain_text("1 time in")
    page.reload()
    expect(page.locator("#visits")).to_contain_text("2 times")
    page.fill("#name-form input[name=name]", "Charlie")
    page.click("#name-form button")
    expect(page.locator(".notification.success")).to_have_text(
        "Hello, Charlie! The session remembers you now."
    )
    expect(page.locator("#greeting")).to_have_text("The session knows you as Charlie.")
    page.reload()
    assert page.locator(".notification").count() == 0
    page.click("#forget button")
    expect(page.locator(".notification.info")).to_have_text("Session cleared.")
    expect(page.locator("#greeting")).to_have_text("The session does not know your name.")
