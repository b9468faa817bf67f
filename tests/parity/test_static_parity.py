"""The Rust and Python static file lookups pick the same file, headers and validators."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path
from types import ModuleType

import pytest

from gobstopper.staticfiles import StaticFiles

FILES = {
    "index.html": "<h1>hi</h1>",
    "css/site.css": "body{}",
    "css/site.css.gz": "gz",
    "css/site.css.br": "br",
    "app.3f9a1c2e.js": "js",
    "app.3f9a1c2e.js.gz": "jsgz",
    ".env": "SECRET=1",
    ".well-known/security.txt": "contact",
    "docs/readme.txt": "read me",
    "été.txt": "unicode",
    "with space.txt": "space",
    "data.json": "{}",
    "image.svg": "<svg/>",
    "archive.tar.gz": "archive",
}
PATHS = [
    *FILES,
    "",
    "missing",
    "docs",
    "docs/",
    "../outside.txt",
    "css/../index.html",
    "css//site.css",
    "./index.html",
    "/etc/passwd",
    "css\\site.css",
    "index.html\x00.txt",
    "link_inside",
    "link_outside",
    "broken_link",
    "\udcff.txt",
    "INDEX.HTML",
]
ACCEPT = [None, "", "gzip", "br", "br, gzip", "gzip;q=0, br;q=0", "GZIP", " br ; q=0.5", "*"]
ACCEPT += ["identity", "gzip;q=0.000", "br;q=0.\t", "deflate, gzip;q=1.0", "gzip\udcff"]
ACCEPT += ["GZ\u0130P", "\uff47zip", "gzip;q=", "gzip; q = 0 . 0", "\x1cbr\x1f;q=1"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "public"
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "outside.txt").write_text("outside")
    (root / "link_inside").symlink_to(root / "css" / "site.css")
    (root / "link_outside").symlink_to(tmp_path / "outside.txt")
    (root / "broken_link").symlink_to(root / "nowhere")
    return root


def _entries(files: StaticFiles) -> list[object]:
    return [
        (path, accept, files._lookup(path, accept))
        for path, accept in itertools.product(PATHS, ACCEPT)
    ]


@pytest.mark.parametrize(
    ("precompressed", "allow_hidden"), list(itertools.product([True, False], repeat=2))
)
def test_every_request_gets_the_same_entry(
    rust_core: ModuleType, folder: Path, precompressed: bool, allow_hidden: bool
) -> None:
    options = {"precompressed": precompressed, "allow_hidden": allow_hidden}
    python = StaticFiles(folder, accelerated=False, **options)
    rust = StaticFiles(folder, accelerated=True, **options)
    expected = _entries(python)
    assert _entries(rust) == expected
    assert _entries(rust) == expected, "answers from the cache are the same"
    served = [entry for _, _, entry in expected if entry is not None]
    assert len(served) > len(PATHS)
    encodings = {dict(entry.headers).get("content-encoding") for entry in served}
    assert encodings == ({None, "gzip", "br"} if precompressed else {None})


def test_a_changed_file_is_seen_at_once_by_both(rust_core: ModuleType, folder: Path) -> None:
    python = StaticFiles(folder, accelerated=False)
    rust = StaticFiles(folder, accelerated=True)
    before = rust._lookup("index.html", None)
    assert before == python._lookup("index.html", None)
    path = folder / "index.html"
    path.write_text("<h1>changed, and longer</h1>")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    after = rust._lookup("index.html", None)
    assert after == python._lookup("index.html", None)
    assert after.etag != before.etag
    assert after.size == len("<h1>changed, and longer</h1>")


def test_a_file_replaced_by_a_link_out_of_the_folder_is_refused_by_both(
    rust_core: ModuleType, folder: Path
) -> None:
    python = StaticFiles(folder, accelerated=False)
    rust = StaticFiles(folder, accelerated=True)
    assert rust._lookup("docs/readme.txt", None) is not None
    target = folder / "docs" / "readme.txt"
    target.unlink()
    target.symlink_to(folder.parent / "outside.txt")
    assert python._lookup("docs/readme.txt", None) is None
    assert rust._lookup("docs/readme.txt", None) is None


@pytest.mark.parametrize("accelerated", [False, True], ids=["python", "rust"])
def test_a_sibling_added_later_is_served_once_the_recheck_delay_has_passed(
    rust_core: ModuleType, folder: Path, accelerated: bool
) -> None:
    files = StaticFiles(folder, accelerated=accelerated, recheck_missing=0.5)
    assert files._lookup("docs/readme.txt", "br, gzip").path.endswith("readme.txt")
    (folder / "docs" / "readme.txt.gz").write_text("gz")
    presumed_missing = files._lookup("docs/readme.txt", "br, gzip")
    assert dict(presumed_missing.headers).get("content-encoding") is None
    time.sleep(0.6)
    rechecked = files._lookup("docs/readme.txt", "br, gzip")
    assert dict(rechecked.headers)["content-encoding"] == "gzip"
    assert rechecked.path.endswith("readme.txt.gz")


@pytest.mark.parametrize("accelerated", [False, True], ids=["python", "rust"])
def test_without_a_recheck_delay_a_sibling_added_later_is_served_at_once(
    rust_core: ModuleType, folder: Path, accelerated: bool
) -> None:
    files = StaticFiles(folder, accelerated=accelerated, recheck_missing=0)
    assert files._lookup("docs/readme.txt", "gzip").path.endswith("readme.txt")
    (folder / "docs" / "readme.txt.gz").write_text("gz")
    assert files._lookup("docs/readme.txt", "gzip").path.endswith("readme.txt.gz")


@pytest.mark.parametrize("accelerated", [False, True], ids=["python", "rust"])
def test_a_served_sibling_deleted_falls_back_at_once(
    rust_core: ModuleType, folder: Path, accelerated: bool
) -> None:
    files = StaticFiles(folder, accelerated=accelerated, recheck_missing=60)
    assert files._lookup("css/site.css", "br, gzip").path.endswith("site.css.br")
    (folder / "css" / "site.css.br").unlink()
    assert files._lookup("css/site.css", "br, gzip").path.endswith("site.css.gz")
    (folder / "css" / "site.css.gz").unlink()
    plain = files._lookup("css/site.css", "br, gzip")
    assert plain.path.endswith("site.css")
    assert dict(plain.headers).get("content-encoding") is None


@pytest.mark.parametrize("recheck", [-1, float("nan"), float("inf")])
@pytest.mark.parametrize("accelerated", [False, True], ids=["python", "rust"])
def test_a_recheck_delay_must_be_finite_and_not_negative(
    rust_core: ModuleType, folder: Path, accelerated: bool, recheck: float
) -> None:
    with pytest.raises(ValueError, match="recheck_missing"):
        StaticFiles(folder, accelerated=accelerated, recheck_missing=recheck)


def _answers(
    folder: Path, accelerated: bool, requests: list[tuple[str, dict[str, str]]]
) -> list[object]:
    from gobstopper import Gobstopper
    from gobstopper.middleware import StaticFileMiddleware
    from gobstopper.testing import TestClient

    app = Gobstopper(__name__, static_folder=None)
    app.add_middleware(StaticFileMiddleware(folder, url_prefix="/assets", accelerated=accelerated))
    with TestClient(app) as client:
        answers = []
        for path, headers in requests:
            # Streamed, so the body is compared as served: httpx would decode a gzip one.
            with client.stream("GET", "/assets/" + path, headers=headers) as response:
                body = b"".join(response.iter_raw())
            raw_headers = response.headers.multi_items()
            answers.append((path, headers, response.status_code, raw_headers, body))
        return answers


def test_conditional_range_and_traversal_requests_get_the_same_answers(
    rust_core: ModuleType, folder: Path
) -> None:
    python = StaticFiles(folder, accelerated=False)
    etag = python._lookup("css/site.css", None).etag
    modified = dict(python._lookup("css/site.css", None).headers)["last-modified"]
    variants = [
        {},
        {"if-none-match": etag},
        {"if-none-match": '"other"'},
        {"if-none-match": "*"},
        {"if-modified-since": modified},
        {"if-modified-since": "Thu, 01 Jan 1970 00:00:00 GMT"},
        {"if-match": '"other"'},
        {"if-unmodified-since": "Thu, 01 Jan 1970 00:00:00 GMT"},
        {"range": "bytes=0-1"},
        {"range": "bytes=2-"},
        {"range": "bytes=-2"},
        {"range": "bytes=50-60"},
        {"range": "bytes=0-1,3-4"},
        {"range": "bytes=0-1", "if-range": etag},
        {"range": "bytes=0-1", "if-range": '"stale"'},
        {"accept-encoding": "gzip"},
        {"accept-encoding": "br;q=0, gzip", "range": "bytes=0-0"},
    ]
    paths = ["css/site.css", "index.html", "../outside.txt", "css/%2e%2e/index.html", ".env"]
    paths += ["link_outside", "docs", "missing.css"]
    requests = [(path, headers) for path in paths for headers in variants]
    expected = _answers(folder, False, requests)
    assert _answers(folder, True, requests) == expected
    statuses = {status for _, _, status, _, _ in expected}
    assert {200, 206, 304, 404, 412, 416} <= statuses
