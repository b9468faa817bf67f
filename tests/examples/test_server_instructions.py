"""``benchmarks/server_instructions.py``: the requests it sends and how it reads the
answers and the counts (running servers under callgrind is for ``make bench``)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from server_instructions import _dumped, _read_response, request_bytes


def test_a_post_carries_the_item_with_its_length_and_type() -> None:
    request = request_bytes("POST", "/items", None)
    head, _, body = request.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"POST /items HTTP/1.1"
    assert b"Content-Type: application/json" in head
    assert f"Content-Length: {len(body)}".encode() in head
    assert body.startswith(b'{"name": "gobstopper"')


def test_a_get_asks_for_the_encodings_given_and_has_no_body() -> None:
    request = request_bytes("GET", "/static/hello.txt", "gzip, br")
    assert request.endswith(b"Accept-Encoding: gzip, br\r\n\r\n")
    assert b"Content-Length" not in request


@pytest.mark.parametrize(
    "answer",
    [
        [b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhel", b"lo"],
        [b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello", b"\r\n0\r\n\r\n"],
    ],
    ids=["sized", "chunked"],
)
def test_an_answer_is_read_whole_however_it_arrives(answer: list[bytes]) -> None:
    server, client = socket.socketpair()
    with server, client:
        server.sendall(answer[0])
        client.settimeout(0.1)
        with pytest.raises(TimeoutError):  # not whole yet: the reader waits for more
            _read_response(client)
        server.sendall(answer[0] + answer[1])
        client.settimeout(5)
        _read_response(client)


def test_an_error_status_or_a_closed_connection_fails_the_count() -> None:
    server, client = socket.socketpair()
    client.settimeout(5)
    with server, client:
        server.sendall(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
        with pytest.raises(RuntimeError, match="404"):
            _read_response(client)
    server, client = socket.socketpair()
    client.settimeout(5)
    with client:
        server.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nhalf")
        server.close()
        with pytest.raises(RuntimeError, match="closed"):
            _read_response(client)


def test_only_the_dumps_are_counted_not_the_files_written_at_exit(tmp_path: Path) -> None:
    (tmp_path / "callgrind.41.1").write_text("events: Ir\nsummary: 0\ntotals: 1000\n")
    (tmp_path / "callgrind.42.1").write_text("events: Ir\ntotals: 234\n")
    (tmp_path / "callgrind.41").write_text("events: Ir\ntotals: 99999\n")
    assert _dumped(tmp_path) == 1234
