"""Static files: middleware, application and blueprint folders, caching, ranges, traversal."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from gobstopper import Blueprint, Gobstopper
from gobstopper.middleware import StaticFileMiddleware
from gobstopper.testing import TestClient

CSS = b"body { color: teal; }\n"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A project folder: ``public/`` with assets, plus a secret file next to it."""
    public = tmp_path / "public"
    (public / "css").mkdir(parents=True)
    (public / "css" / "site.css").write_bytes(CSS)
    (public / "app.3f9a1c2e.js").write_bytes(b"console.log(1);\n")
    (public / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (public / "digits.txt").write_bytes(b"0123456789")
    (public / "big.txt").write_bytes(b"x" * 5000)
    (public / "big.txt.gz").write_bytes(gzip.compress(b"x" * 5000))
    (public / "big.txt.br").write_bytes(b"pretend-brotli")
    (public / ".env").write_text("SECRET=1")
    (tmp_path / "secret.txt").write_text("top secret")
    os.symlink(tmp_path / "secret.txt", public / "escape.txt")
    os.symlink(public / "digits.txt", public / "inside.txt")
    return tmp_path


@pytest.fixture
def client(site: Path) -> TestClient:
    app = Gobstopper(__name__, static_folder=None)
    app.add_middleware(StaticFileMiddleware(site / "public", url_prefix="/assets"))

    @app.get("/")
    async def index():
        return "home"

    with TestClient(app) as test_client:
        yield test_client


def test_serves_file_with_type_length_and_validators(client: TestClient) -> None:
    response = client.get("/assets/css/site.css")
    assert response.status_code == 200
    assert response.content == CSS
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["content-length"] == str(len(CSS))
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith("GMT")
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["cache-control"] == "no-cache"


def test_other_paths_reach_the_application(client: TestClient) -> None:
    assert client.get("/").text == "home"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("logo.svg", "image/svg+xml; charset=utf-8"), ("app.3f9a1c2e.js", "text/javascript")],
)
def test_content_types(client: TestClient, name: str, content_type: str) -> None:
    assert client.get(f"/assets/{name}").headers["content-type"].startswith(content_type)


def test_fingerprinted_names_are_cached_for_a_year(client: TestClient) -> None:
    response = client.get("/assets/app.3f9a1c2e.js")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_if_none_match_gives_304_without_body(client: TestClient) -> None:
    etag = client.get("/assets/css/site.css").headers["etag"]
    response = client.get("/assets/css/site.css", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert "content-type" not in response.headers


def test_if_none_match_with_a_weak_tag_or_a_list(client: TestClient) -> None:
    etag = client.get("/assets/css/site.css").headers["etag"]
    listed = client.get("/assets/css/site.css", headers={"If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304


def test_stale_etag_gets_the_file(client: TestClient) -> None:
    response = client.get("/assets/css/site.css", headers={"If-None-Match": '"stale"'})
    assert response.status_code == 200
    assert response.content == CSS


def test_if_modified_since(client: TestClient) -> None:
    last_modified = client.get("/assets/css/site.css").headers["last-modified"]
    fresh = client.get("/assets/css/site.css", headers={"If-Modified-Since": last_modified})
    assert fresh.status_code == 304
    old = client.get(
        "/assets/css/site.css", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    )
    assert old.status_code == 200


def test_head_sends_headers_only(client: TestClient) -> None:
    response = client.head("/assets/digits.txt")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "10"


@pytest.mark.parametrize(
    ("range_header", "body", "content_range"),
    [
        ("bytes=2-4", b"234", "bytes 2-4/10"),
        ("bytes=7-", b"789", "bytes 7-9/10"),
        ("bytes=-3", b"789", "bytes 7-9/10"),
        ("bytes=5-100", b"56789", "bytes 5-9/10"),
    ],
)
def test_byte_ranges(
    client: TestClient, range_header: str, body: bytes, content_range: str
) -> None:
    response = client.get("/assets/digits.txt", headers={"Range": range_header})
    assert response.status_code == 206
    assert response.content == body
    assert response.headers["content-range"] == content_range
    assert response.headers["content-length"] == str(len(body))


def test_unsatisfiable_range_gets_416(client: TestClient) -> None:
    response = client.get("/assets/digits.txt", headers={"Range": "bytes=10-20"})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */10"


@pytest.mark.parametrize("range_header", ["bytes=0-1,4-5", "items=0-1", "bytes=abc", "bytes=5-2"])
def test_ranges_we_do_not_serve_get_the_whole_file(client: TestClient, range_header: str) -> None:
    response = client.get("/assets/digits.txt", headers={"Range": range_header})
    assert response.status_code == 200
    assert response.content == b"0123456789"


def test_if_range_with_a_stale_validator_sends_the_whole_file(client: TestClient) -> None:
    etag = client.get("/assets/digits.txt").headers["etag"]
    current = client.get("/assets/digits.txt", headers={"Range": "bytes=0-1", "If-Range": etag})
    assert current.status_code == 206
    stale = client.get("/assets/digits.txt", headers={"Range": "bytes=0-1", "If-Range": '"old"'})
    assert stale.status_code == 200


def test_precompressed_sibling_chosen_by_accept_encoding(client: TestClient) -> None:
    gz = client.get("/assets/big.txt", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"
    assert gz.content == b"x" * 5000  # httpx decoded the gzip body
    assert gz.headers["content-type"] == "text/plain; charset=utf-8"
    assert gz.headers["vary"] == "Accept-Encoding"
    br = client.get("/assets/big.txt", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["content-encoding"] == "br"
    assert br.content == b"pretend-brotli"
    refused = client.get("/assets/big.txt", headers={"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert "content-encoding" not in refused.headers
    assert refused.content == b"x" * 5000
    plain = client.get("/assets/big.txt")
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"


@pytest.mark.parametrize("variant_first", [True, False])
def test_a_gz_file_asked_for_by_name_is_not_sent_as_an_encoding(
    client: TestClient, variant_first: bool
) -> None:
    def variant() -> None:
        response = client.get("/assets/big.txt", headers={"Accept-Encoding": "gzip"})
        assert response.headers["content-encoding"] == "gzip"

    if variant_first:
        variant()
    own = client.get("/assets/big.txt.gz", headers={"Accept-Encoding": "gzip"})
    assert own.status_code == 200
    assert "content-encoding" not in own.headers, "the browser would unpack the download"
    assert gzip.decompress(own.content) == b"x" * 5000
    variant()


def test_compressed_variants_have_their_own_etag(client: TestClient) -> None:
    plain = client.get("/assets/big.txt").headers["etag"]
    gz = client.get("/assets/big.txt", headers={"Accept-Encoding": "gzip"}).headers["etag"]
    assert plain != gz


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../secret.txt",
        "/assets/%2e%2e/secret.txt",
        "/assets/%2e%2e%2fsecret.txt",
        "/assets/css/../../secret.txt",
        "/assets/..%5csecret.txt",
        "/assets/css\\..\\..\\secret.txt",
        "/assets//etc/passwd",
        "/assets/%2fetc%2fpasswd",
        "/assets/digits.txt%00.css",
        "/assets/escape.txt",
        "/assets/.env",
        "/assets/css",
        "/assets/css/",
        "/assets/",
        "/assets/nope.css",
        "/assets/C:/Windows/win.ini",
    ],
)
def test_nothing_outside_the_folder_or_hidden_is_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"secret" not in response.content
    assert b"SECRET" not in response.content


def test_symlink_inside_the_folder_is_served(client: TestClient) -> None:
    assert client.get("/assets/inside.txt").content == b"0123456789"


def test_writes_under_the_prefix_get_405(client: TestClient) -> None:
    response = client.post("/assets/css/site.css", content=b"x")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_middleware_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        StaticFileMiddleware(tmp_path / "missing")


def test_application_and_blueprint_static_folders(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "app.css").write_text("app")
    (tmp_path / "admin_static").mkdir()
    (tmp_path / "admin_static" / "admin.css").write_text("admin")
    app = Gobstopper(__name__, root_path=tmp_path)
    admin = Blueprint(
        "admin", __name__, url_prefix="/admin", static_folder="admin_static", root_path=tmp_path
    )
    app.register_blueprint(admin)
    with TestClient(app) as client:
        assert client.get("/static/app.css").text == "app"
        assert client.get("/admin/admin_static/admin.css").text == "admin"
        assert client.get("/static/../admin_static/admin.css").status_code == 404
        assert app.url_for("static", filename="app.css") == "/static/app.css"
        assert app.url_for("admin.static", filename="admin.css") == "/admin/admin_static/admin.css"


def test_blueprint_static_url_path(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "a.txt").write_text("a")
    app = Gobstopper(__name__, root_path=tmp_path)
    shop = Blueprint(
        "shop", __name__, static_folder="assets", static_url_path="/files", root_path=tmp_path
    )
    app.register_blueprint(shop, url_prefix="/shop")
    with TestClient(app) as client:
        assert client.get("/shop/files/a.txt").text == "a"


def test_no_static_route_without_a_folder(tmp_path: Path) -> None:
    app = Gobstopper(__name__, root_path=tmp_path)
    assert all(endpoint != "static" for _, _, endpoint in app.iter_rules())


def test_an_edited_file_is_served_fresh_with_a_new_etag(client: TestClient, site: Path) -> None:
    first = client.get("/assets/digits.txt")
    path = site / "public" / "digits.txt"
    path.write_bytes(b"abcdefghijklmnop")
    later = path.stat().st_mtime + 5
    os.utime(path, (later, later))
    second = client.get("/assets/digits.txt")
    assert second.content == b"abcdefghijklmnop"
    assert second.headers["etag"] != first.headers["etag"]
    assert second.headers["content-length"] == "16"


def test_a_symlink_repointed_outside_after_caching_is_refused(
    client: TestClient, site: Path
) -> None:
    assert client.get("/assets/inside.txt").status_code == 200
    link = site / "public" / "inside.txt"
    link.unlink()
    os.symlink(site / "secret.txt", link)
    response = client.get("/assets/inside.txt")
    assert response.status_code == 404
    assert b"secret" not in response.content


def test_a_deleted_file_is_gone(client: TestClient, site: Path) -> None:
    assert client.get("/assets/css/site.css").status_code == 200
    (site / "public" / "css" / "site.css").unlink()
    assert client.get("/assets/css/site.css").status_code == 404


def test_pure_python_lookup_shortcuts_stay_bounded_and_keep_refusing(site: Path) -> None:
    from gobstopper.staticfiles import _CACHE_LIMIT, StaticFiles

    files = StaticFiles(site / "public", accelerated=False)
    for number in range(_CACHE_LIMIT + 10):
        assert files._lookup_python(f"missing{number}.txt", f"gzip;q=0.{number}") is None
    assert len(files._safe) <= _CACHE_LIMIT
    assert len(files._codings) <= _CACHE_LIMIT
    assert len(files._missing) <= _CACHE_LIMIT
    assert files._lookup_python("../secret.txt", "gzip") is None
    assert files._lookup_python(".env", "gzip") is None
    gz = files._lookup_python("big.txt", "br;q=0, gzip")
    assert gz is not None
    assert ("content-encoding", "gzip") in gz.headers
    plain = files._lookup_python("big.txt", "br;q=0, gzip;q=0")
    assert plain is not None
    assert all(name != "content-encoding" for name, _ in plain.headers)
