"""Multipart forms and uploaded files: parsing, spilling to disk, limits, broken bodies."""

from __future__ import annotations

import asyncio
import gc
import inspect
import io
import tempfile
from collections.abc import Awaitable
from pathlib import Path

import pytest

from gobstopper import FileStorage, Gobstopper, Request, secure_filename
from gobstopper.testing import TestClient

BOUNDARY = "xyzBOUNDARYxyz"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def make_app(tmp_path: Path, **options: int) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None, **options)

    @app.post("/upload")
    async def upload(request: Request):
        form = await request.get_form()
        files = await request.get_files()
        stored = []
        for name in files:
            for upload in files.getlist(name):
                assert isinstance(upload, FileStorage)
                target = tmp_path / secure_filename(upload.filename)
                await upload.save(target)
                stored.append(
                    {
                        "field": name,
                        "filename": upload.filename,
                        "type": upload.mimetype,
                        "size": upload.size,
                        "on_disk": bool(getattr(upload.stream, "_rolled", False)),
                        "saved_as": target.name,
                    }
                )
        return {"fields": form.to_dict(flat=False), "files": stored}

    @app.post("/read")
    async def read(request: Request):
        files = await request.get_files()
        first = await files["doc"].read(4)
        rest = await files["doc"].read()
        return {"first": first.decode(), "rest": rest.decode()}

    return app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    with TestClient(make_app(tmp_path / "store"), client_addr="127.0.0.1:1") as test_client:
        (tmp_path / "store").mkdir()
        yield test_client


def test_fields_and_files_arrive(client: TestClient, tmp_path: Path) -> None:
    response = client.post(
        "/upload",
        data={"title": "Holiday", "tags": ["sea", "sun"]},
        files={"photo": ("beach.png", b"\x89PNG...", "image/png")},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["fields"] == {"title": ["Holiday"], "tags": ["sea", "sun"]}
    assert body["files"] == [
        {
            "field": "photo",
            "filename": "beach.png",
            "type": "image/png",
            "size": 7,
            "on_disk": False,
            "saved_as": "beach.png",
        }
    ]
    assert (tmp_path / "store" / "beach.png").read_bytes() == b"\x89PNG..."


def test_several_files_under_one_name(client: TestClient, tmp_path: Path) -> None:
    response = client.post(
        "/upload",
        files=[("docs", ("a.txt", b"A", "text/plain")), ("docs", ("b.txt", b"BB", "text/plain"))],
    )
    names = [(f["filename"], f["size"]) for f in response.json()["files"]]
    assert names == [("a.txt", 1), ("b.txt", 2)]
    assert (tmp_path / "store" / "b.txt").read_bytes() == b"BB"


def test_large_files_spill_to_disk(client: TestClient, tmp_path: Path) -> None:
    payload = bytes(range(256)) * 8192  # 2 MiB, above the 1 MiB spool threshold
    response = client.post("/upload", files={"blob": ("data.bin", payload)})
    assert response.json()["files"][0]["on_disk"] is True
    assert (tmp_path / "store" / "data.bin").read_bytes() == payload


def test_read_continues_from_the_position(client: TestClient) -> None:
    response = client.post("/read", files={"doc": ("d.txt", b"hello world", "text/plain")})
    assert response.json() == {"first": "hell", "rest": "o world"}


def test_hostile_filename_is_kept_raw_but_stored_safely(client: TestClient, tmp_path: Path) -> None:
    response = client.post("/upload", files={"f": ("../../etc/passwd", b"x")})
    stored = response.json()["files"][0]
    assert stored["filename"] == "../../etc/passwd"
    assert stored["saved_as"] == "etc_passwd"
    assert (tmp_path / "store" / "etc_passwd").exists()


def test_utf8_filenames(client: TestClient) -> None:
    response = client.post("/upload", files={"f": ("résumé.pdf", b"%PDF", "application/pdf")})
    stored = response.json()["files"][0]
    assert (stored["filename"], stored["saved_as"]) == ("résumé.pdf", "resume.pdf")


def test_file_over_the_per_file_limit_gets_413(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, max_file_bytes=1000)) as client:
        response = client.post("/upload", files={"f": ("big.bin", b"x" * 1001)})
        assert response.status_code == 413
        assert "1000 bytes" in response.text


def test_body_over_the_upload_limit_gets_413(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, max_upload_bytes=5000)) as client:
        response = client.post("/upload", files={"f": ("big.bin", b"x" * 6000)})
        assert response.status_code == 413


def test_body_over_the_upload_limit_without_length_gets_413(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, max_upload_bytes=5000)) as client:
        body = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\n'
        ).encode() + b"x" * 6000
        response = client.post(
            "/upload",
            content=body,
            headers={"content-type": MULTIPART, "transfer-encoding": "chunked"},
        )
        assert response.status_code == 413


def test_text_field_over_the_limit_gets_413(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, json_max_bytes=100)) as client:
        response = client.post("/upload", files={"note": (None, "n" * 101)})  # a text part
        assert response.status_code == 413
        assert "exceeds 100 bytes" in response.text


def test_too_many_parts_gets_413(client: TestClient) -> None:
    response = client.post("/upload", files=[(f"k{i}", (None, "v")) for i in range(1001)])
    assert response.status_code == 413
    assert "1000 parts" in response.text


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("multipart/form-data", b"--x\r\n", "no boundary"),
        (MULTIPART, b"garbage without boundaries", "Malformed"),
        (
            MULTIPART,
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue'.encode(),
            "ended before",
        ),
        (
            MULTIPART,
            f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nv\r\n--{BOUNDARY}--\r\n".encode(),
            "no Content-Disposition",
        ),
        (
            MULTIPART,
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\n'.encode()
            + b"\xff\xfe\r\n"
            + f"--{BOUNDARY}--\r\n".encode(),
            "not valid UTF-8",
        ),
        (MULTIPART, b"", "ended before"),
    ],
)
def test_broken_multipart_gets_400(
    client: TestClient, content_type: str, body: bytes, message: str
) -> None:
    response = client.post("/upload", content=body, headers={"content-type": content_type})
    assert response.status_code == 400
    assert message in response.text


def test_get_files_on_a_urlencoded_form_is_empty(client: TestClient) -> None:
    response = client.post("/upload", data={"a": "1"})
    assert response.json() == {"fields": {"a": ["1"]}, "files": []}


def test_json_is_not_a_form(client: TestClient) -> None:
    response = client.post("/upload", json={"a": 1})
    assert response.status_code == 415


def _stored(data: bytes, spool: int = 1024) -> FileStorage:
    # Owned by the FileStorage, as the multipart parser's temporary files are.
    stream = tempfile.SpooledTemporaryFile(max_size=spool)  # noqa: SIM115
    stream.write(data)
    stream.seek(0)
    return FileStorage("doc", "doc.bin", "application/octet-stream", {}, stream, len(data))


def _unawaited(recwarn: pytest.WarningsRecorder) -> list[str]:
    gc.collect()
    return [str(w.message) for w in recwarn if "never awaited" in str(w.message)]


@pytest.mark.parametrize("size", [10, 4096], ids=["in-memory", "spooled-to-disk"])
def test_save_without_await_has_written_the_file_when_it_returns(
    tmp_path: Path, size: int, recwarn: pytest.WarningsRecorder
) -> None:
    upload = _stored(b"x" * size)
    upload.save(tmp_path / "out.bin")
    assert (tmp_path / "out.bin").read_bytes() == b"x" * size
    assert _unawaited(recwarn) == []


async def test_awaited_save_writes_the_file(
    tmp_path: Path, recwarn: pytest.WarningsRecorder
) -> None:
    upload = _stored(b"quart style")
    assert await upload.save(str(tmp_path / "out.txt")) is None
    assert (tmp_path / "out.txt").read_bytes() == b"quart style"
    assert _unawaited(recwarn) == []


def test_save_returns_a_finished_awaitable_not_a_coroutine(tmp_path: Path) -> None:
    result = _stored(b"a").save(tmp_path / "a")
    assert inspect.isawaitable(result)
    assert not inspect.iscoroutine(result)
    assert asyncio.run(_await(result)) is None


async def _await(awaitable: Awaitable[None]) -> None:
    return await awaitable


def test_save_into_a_binary_file_object() -> None:
    target = io.BytesIO()
    _stored(b"into a buffer").save(target)
    assert target.getvalue() == b"into a buffer"


def test_save_copies_the_whole_file_and_keeps_the_read_position(tmp_path: Path) -> None:
    upload = _stored(b"hello world")
    assert upload.stream.read(5) == b"hello"
    upload.save(tmp_path / "whole.txt")
    assert (tmp_path / "whole.txt").read_bytes() == b"hello world"
    assert upload.stream.read() == b" world"


def test_save_into_a_missing_folder_raises_at_the_call(tmp_path: Path) -> None:
    upload = _stored(b"x")
    with pytest.raises(FileNotFoundError):
        upload.save(tmp_path / "missing" / "x.bin")
    assert upload.stream.tell() == 0


def test_werkzeug_style_handler_stores_the_upload(
    tmp_path: Path, recwarn: pytest.WarningsRecorder
) -> None:
    app = Gobstopper(__name__, static_folder=None)

    @app.post("/upload")
    async def upload_file(request):
        files = await request.get_files()
        file = files["document"]
        file.save(tmp_path / secure_filename(file.filename))
        return {"exists": (tmp_path / secure_filename(file.filename)).exists()}

    payload = bytes(range(256)) * 8192  # 2 MiB: spooled to disk
    with TestClient(app) as client:
        response = client.post("/upload", files={"document": ("report.pdf", payload)})
    assert response.json() == {"exists": True}
    assert (tmp_path / "report.pdf").read_bytes() == payload
    assert _unawaited(recwarn) == []


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "etc_passwd"),
        ("..\\..\\windows\\system32", "windows_system32"),
        ("i contain cool \xfcml\xe4uts.txt", "i_contain_cool_umlauts.txt"),
        (".bashrc", "bashrc"),
        ("...", ""),
        ("CON", "_CON"),
        ("lpt1.txt", "_lpt1.txt"),
        ("con_fig.txt", "con_fig.txt"),
        ("\u65e5\u672c\u8a9e", ""),
        ("a\x00b.txt", "ab.txt"),
        ("/abs/path.png", "abs_path.png"),
    ],
)
def test_secure_filename(raw: str, safe: str) -> None:
    assert secure_filename(raw) == safe
