"""Static files, downloads, uploads and templates through a real Granian server."""

from __future__ import annotations

import gzip
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server

pytestmark = pytest.mark.integration

APP = """
import resource
from pathlib import Path

from gobstopper import Gobstopper, Request, secure_filename, send_from_directory
from gobstopper.middleware import StaticFileMiddleware

HERE = Path(__file__).parent
app = Gobstopper(__name__, max_upload_bytes=2 * 1024**3)
app.init_templates(auto_reload=True)
app.add_middleware(StaticFileMiddleware(HERE / "public", url_prefix="/assets"))


@app.get("/page/<name>")
async def page(name: str):
    return await app.render_template("page.html", name=name)


@app.get("/downloads/<path:name>")
async def download(name: str):
    return send_from_directory(HERE / "exports", name, as_attachment=True)


@app.get("/peak-rss")
async def peak_rss():
    return {"kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


@app.post("/upload")
async def upload(request: Request):
    files = await request.get_files()
    stored = {}
    for name in files:
        upload = files[name]
        await upload.save(HERE / "uploads" / secure_filename(upload.filename))
        stored[name] = upload.size
    return stored
"""


@pytest.fixture
def server(serve: Callable[..., Server]) -> Server:
    files = {
        "public/css/site.css": "body{}",
        "public/digits.txt": "0123456789",
        "public/big.txt": "y" * 4000,
        "public/.hidden": "hidden",
        "exports/report.csv": "a,b\n",
        "uploads/.keep": "",
        "templates/page.html": "<p>{{ name }}</p>",
        "secret.txt": "top secret",
    }
    started = serve(APP, files=files)
    project = Path(started.log).parent
    (project / "public" / "big.txt.gz").write_bytes(gzip.compress(b"y" * 4000))
    os.symlink(project / "secret.txt", project / "public" / "link.txt")
    return started


def raw_get(server: Server, target: str) -> tuple[int, bytes]:
    """Send ``GET target`` byte for byte (no client-side normalisation of ``..``)."""
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request.encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    status = int(response.split(b" ", 2)[1])
    return status, response.partition(b"\r\n\r\n")[2]


def test_static_file_with_validators_and_304(server: Server) -> None:
    response = httpx.get(f"{server.url}/assets/css/site.css")
    assert response.status_code == 200
    assert response.text == "body{}"
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["content-length"] == "6"
    again = httpx.get(
        f"{server.url}/assets/css/site.css", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


def test_range_request_is_served_by_granian(server: Server) -> None:
    response = httpx.get(f"{server.url}/assets/digits.txt", headers={"Range": "bytes=3-5"})
    assert response.status_code == 206
    assert response.content == b"345"
    assert response.headers["content-range"] == "bytes 3-5/10"
    beyond = httpx.get(f"{server.url}/assets/digits.txt", headers={"Range": "bytes=50-"})
    assert beyond.status_code == 416


def test_head_has_length_and_no_body(server: Server) -> None:
    response = httpx.head(f"{server.url}/assets/digits.txt")
    assert response.status_code == 200
    assert response.headers["content-length"] == "10"
    assert response.content == b""


def test_precompressed_gzip(server: Server) -> None:
    response = httpx.get(f"{server.url}/assets/big.txt", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.text == "y" * 4000  # httpx decodes it
    assert response.headers["vary"] == "Accept-Encoding"


@pytest.mark.parametrize(
    "target",
    [
        "/assets/../secret.txt",
        "/assets/%2e%2e/secret.txt",
        "/assets/%2e%2e%2fsecret.txt",
        "/assets/..%2fsecret.txt",
        "/assets/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/assets/..%5csecret.txt",
        "/assets/%5c..%5csecret.txt",
        "/assets//etc/passwd",
        "/assets/%2fetc%2fpasswd",
        "/assets/digits.txt%00",
        "/assets/link.txt",
        "/assets/.hidden",
        "/assets/css/",
        "/assets/%252e%252e%252fsecret.txt",
        "/downloads/../secret.txt",
        "/downloads/..%2f..%2fsecret.txt",
        "/downloads/%2e%2e%2fsecret.txt",
    ],
)
def test_traversal_vectors_get_404(server: Server, target: str) -> None:
    status, body = raw_get(server, target)
    assert status in (400, 404), (target, status)
    assert b"top secret" not in body
    assert b"root:" not in body


def test_download_disposition(server: Server) -> None:
    response = httpx.get(f"{server.url}/downloads/report.csv")
    assert response.text == "a,b\n"
    assert response.headers["content-disposition"] == 'attachment; filename="report.csv"'


def test_template_is_rendered_and_reloaded(server: Server) -> None:
    assert httpx.get(f"{server.url}/page/%3Cb%3E").text == "<p>&lt;b&gt;</p>"
    template = Path(server.log).parent / "templates" / "page.html"
    template.write_text("<h1>{{ name }}</h1>")
    later = template.stat().st_mtime + 5
    os.utime(template, (later, later))
    assert httpx.get(f"{server.url}/page/x").text == "<h1>x</h1>"


def test_hostile_upload_names_are_stored_inside_the_folder(server: Server) -> None:
    files = {"f": ("../../secret.txt", b"overwritten?", "text/plain")}
    response = httpx.post(f"{server.url}/upload", files=files)
    assert response.json() == {"f": 12}
    project = Path(server.log).parent
    assert (project / "secret.txt").read_text() == "top secret"
    assert (project / "uploads" / "secret.txt").read_bytes() == b"overwritten?"


def test_large_upload_streams_to_disk_with_flat_memory(server: Server) -> None:
    size = 256 * 1024 * 1024
    boundary = "gobstopper-upload-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="blob"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    block = bytes(range(256)) * 4096  # 1 MiB

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(size // len(block)):
            yield block
        yield tail

    before = httpx.get(f"{server.url}/peak-rss").json()["kib"]
    response = httpx.post(
        f"{server.url}/upload",
        content=body(),
        headers={
            "content-type": f"multipart/form-data; boundary={boundary}",
            "content-length": str(len(head) + size + len(tail)),
        },
        timeout=120,
    )
    assert response.json() == {"blob": size}
    stored = Path(server.log).parent / "uploads" / "big.bin"
    assert stored.stat().st_size == size
    with stored.open("rb") as handle:
        assert handle.read(len(block)) == block
    after = httpx.get(f"{server.url}/peak-rss").json()["kib"]
    growth_mib = (after - before) / 1024
    # A body read into memory would add >= 256 MiB; streaming keeps it to buffers.
    assert growth_mib < 48, f"peak RSS grew by {growth_mib:.1f} MiB for a 256 MiB upload"
