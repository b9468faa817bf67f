"""``Accept`` negotiation with q-values, and the error pages that follow it: JSON for
clients that prefer JSON, HTML for browsers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gobstopper import Gobstopper, abort
from gobstopper.http.negotiation import MediaRange, parse_accept, prefers_json, quality
from gobstopper.testing import TestClient

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def test_an_accept_header_parses_into_ranges_with_their_quality() -> None:
    assert parse_accept("Text/HTML;level=1;q=0.5, application/*, */*;q=0") == [
        MediaRange("text", "html", 0.5),
        MediaRange("application", "*", 1.0),
        MediaRange("*", "*", 0.0),
    ]


@pytest.mark.parametrize("header", ["", "html", "/json", "text/", "text/html;q=x", "a/b;q=1.5"])
def test_entries_that_are_not_media_ranges_are_left_out(header: str) -> None:
    assert parse_accept(header) == []


def test_a_lone_star_is_read_as_any_type() -> None:
    assert parse_accept("*") == [MediaRange("*", "*", 1.0)]


@pytest.mark.parametrize(
    ("header", "media_type", "expected"),
    [
        ("text/html;q=0.3, text/*;q=0.7, */*;q=0.9", "text/html", 0.3),
        ("text/html;q=0.3, text/*;q=0.7, */*;q=0.9", "text/plain", 0.7),
        ("text/html;q=0.3, text/*;q=0.7, */*;q=0.9", "image/png", 0.9),
        ("application/json;q=0, */*", "application/json", 0.0),
        ("text/html", "application/json", 0.0),
    ],
)
def test_the_most_specific_matching_range_gives_the_quality(
    header: str, media_type: str, expected: float
) -> None:
    assert quality(parse_accept(header), media_type) == expected


@pytest.mark.parametrize(
    ("header", "body_is_json", "expected"),
    [
        ("application/json", False, True),
        ("text/html", True, False),
        (BROWSER, False, False),
        (BROWSER, True, False),
        ("text/html;q=0.5, application/json", False, True),
        ("application/json;q=0.1, text/html", False, False),  # named first, yet less wanted
        ("application/json, text/html", False, True),  # equal quality: the first named
        ("text/html, application/json", True, False),
        ("application/json;q=0, */*", True, False),  # JSON refused outright
        ("application/problem+json", False, True),
        ("application/*", False, True),
        ("text/*;q=0.9, */*;q=0.1", True, False),
        ("*/*", True, True),  # nothing to choose between: the request's own body decides
        ("*/*", False, False),
        ("image/png", True, True),
        (None, True, True),
        (None, False, False),
        ("  ", True, True),
    ],
)
def test_json_is_preferred_as_the_header_says(
    header: str | None, body_is_json: bool, expected: bool
) -> None:
    assert prefers_json(header, body_is_json) is expected


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = Gobstopper(__name__, static_folder=None)

    @app.route("/missing", methods=["GET", "POST"])
    async def missing() -> None:
        abort(404, "No such thing.")

    with TestClient(app) as client:
        yield client


def test_a_browser_gets_an_html_error_page(client: TestClient) -> None:
    response = client.get("/missing", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>404 Not Found</h1>" in response.text


def test_html_at_a_lower_quality_than_json_gets_a_json_error(client: TestClient) -> None:
    response = client.get("/missing", headers={"Accept": "text/html;q=0.2, application/json"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["message"] == "No such thing."


def test_json_named_first_but_at_a_lower_quality_gets_html(client: TestClient) -> None:
    response = client.get("/missing", headers={"Accept": "application/json;q=0.1, text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_a_json_request_accepting_anything_gets_a_json_error(client: TestClient) -> None:
    response = client.post("/missing", json={"x": 1}, headers={"Accept": "*/*"})
    assert response.status_code == 404
    assert response.json()["status"] == 404
