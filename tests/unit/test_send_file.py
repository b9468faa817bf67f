"""send_file, send_from_directory and the conditional-request rules behind them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gobstopper import Gobstopper, send_file, send_from_directory
from gobstopper.http.conditional import parse_range
from gobstopper.http.files import content_disposition
from gobstopper.testing import TestClient


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "report.csv").write_text("a,b\n1,2\n")
    (folder / "naïve résumé.txt").write_text("cv")
    (tmp_path / "private.txt").write_text("private")
    return folder


@pytest.fixture
def client(exports: Path) -> TestClient:
    app = Gobstopper(__name__, static_folder=None)

    @app.get("/downloads/<path:name>")
    async def download(name: str):
        return send_from_directory(exports, name, as_attachment=True)

    @app.get("/view/<path:name>")
    async def view(name: str):
        return send_from_directory(exports, name, max_age=60)

    @app.get("/memory")
    async def memory():
        return send_file(b"0123456789", "text/plain", last_modified=1_700_000_000)

    @app.get("/buffer")
    async def buffer():
        return send_file(io.BytesIO(b"%PDF-1.7"), as_attachment=True, download_name="x.pdf")

    with TestClient(app) as test_client:
        yield test_client


def test_attachment_with_type_and_disposition(client: TestClient) -> None:
    response = client.get("/downloads/report.csv")
    assert response.status_code == 200
    assert response.text == "a,b\n1,2\n"
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="report.csv"'
    assert response.headers["cache-control"] == "no-cache"


def test_non_ascii_names_get_an_rfc6266_filename_star(client: TestClient) -> None:
    response = client.get("/downloads/naïve résumé.txt")
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"nave rsum.txt\"; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.txt"
    )


def test_inline_with_max_age(client: TestClient) -> None:
    response = client.get("/view/report.csv")
    assert response.headers["content-disposition"] == 'inline; filename="report.csv"'
    assert response.headers["cache-control"] == "public, max-age=60"


@pytest.mark.parametrize(
    "name", ["../private.txt", "..%2fprivate.txt", "%2e%2e/private.txt", "missing.csv", "a\\..\\b"]
)
def test_send_from_directory_never_leaves_the_folder(client: TestClient, name: str) -> None:
    response = client.get(f"/downloads/{name}")
    assert response.status_code == 404
    assert b"private" not in response.content


def test_in_memory_file_answers_ranges_and_conditionals(client: TestClient) -> None:
    whole = client.get("/memory")
    assert whole.content == b"0123456789"
    assert whole.headers["last-modified"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    etag = whole.headers["etag"]
    assert client.get("/memory", headers={"If-None-Match": etag}).status_code == 304
    part = client.get("/memory", headers={"Range": "bytes=-4"})
    assert (part.status_code, part.content) == (206, b"6789")


def test_file_objects_are_sent_as_attachments(client: TestClient) -> None:
    response = client.get("/buffer")
    assert response.content == b"%PDF-1.7"
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="x.pdf"'


def test_in_memory_data_needs_a_type() -> None:
    with pytest.raises(TypeError, match="mimetype"):
        send_file(b"data")


def test_if_match_failure_is_412(client: TestClient) -> None:
    response = client.get("/view/report.csv", headers={"If-Match": '"something-else"'})
    assert response.status_code == 412


def test_if_unmodified_since_in_the_past_is_412(client: TestClient) -> None:
    response = client.get(
        "/view/report.csv", headers={"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    )
    assert response.status_code == 412


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-0", (0, 1)),
        ("bytes=0-", (0, 10)),
        ("bytes=-20", (0, 10)),
        ("bytes=9-9", (9, 10)),
        ("bytes=10-", False),
        ("bytes=-0", False),
        ("bytes=3-1", None),
        ("bytes=1-2,5-6", None),
        ("bytes=-", None),
        ("bytes= 1-2", (1, 3)),
        ("lines=1-2", None),
        ("bytes=x-2", None),
    ],
)
def test_parse_range(header: str, expected: object) -> None:
    assert parse_range(header, 10) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plain.txt", 'attachment; filename="plain.txt"'),
        ('quote"s.txt', "attachment; filename=\"quotes.txt\"; filename*=UTF-8''quote%22s.txt"),
        (
            "\u65e5\u672c.pdf",
            "attachment; filename=\".pdf\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf",
        ),
        ("line\r\nbreak", "attachment; filename=\"linebreak\"; filename*=UTF-8''line%0D%0Abreak"),
    ],
)
def test_content_disposition_is_header_safe(name: str, expected: str) -> None:
    assert content_disposition(name) == expected
