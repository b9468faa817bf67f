"""Sending files: :class:`FileResponse`, :func:`send_file` and :func:`send_from_directory`.

Files on disk are sent by the server itself (Granian's ``response_file`` and
``response_file_range``): Python never reads them. Every file response carries an ``ETag``
and ``Last-Modified`` and answers conditional requests (304, 412) and single byte ranges
(206, 416), whether the bytes come from disk or from memory.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import stat as stat_module
import time
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from .conditional import evaluate, http_date
from .errors import HTTPException
from .response import HeadersLike, Response
from .rsgi import HTTPProtocol

if TYPE_CHECKING:
    from .request import Request

__all__ = [
    "FileResponse",
    "content_disposition",
    "file_etag",
    "guess_type",
    "is_safe_relative",
    "resolve_inside",
    "safe_join",
    "send_file",
    "send_from_directory",
]

_DROPPED_ON_304 = frozenset({"content-type", "content-length", "content-disposition"})


@lru_cache(maxsize=512)
def guess_type(filename: str) -> str:
    """The content type for ``filename`` from its extension (``application/octet-stream``
    when unknown); text types get ``charset=utf-8``."""
    guessed = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    textual = guessed.startswith("text/") or guessed in (
        "application/javascript",
        "application/json",
        "image/svg+xml",
    )
    return f"{guessed}; charset=utf-8" if textual else guessed


def content_disposition(filename: str, *, attachment: bool = True) -> str:
    """A ``Content-Disposition`` value naming ``filename`` (RFC 6266).

    Non-ASCII names get an ASCII fallback plus ``filename*`` in UTF-8, so every browser
    offers a sensible name and none can be tricked by quotes or control characters.
    """
    kind = "attachment" if attachment else "inline"
    fallback = filename.encode("ascii", "ignore").decode()
    fallback = "".join(c for c in fallback if c.isprintable() and c not in '"\\') or "download"
    if fallback == filename:
        return f'{kind}; filename="{fallback}"'
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def is_safe_relative(path: str, *, allow_hidden: bool = True) -> bool:
    """Whether ``path`` (from a URL) is a plain relative path that cannot climb out of a
    folder: no empty, ``.`` or ``..`` segments, backslashes, NUL bytes, drive letters or
    leading slash — and, unless ``allow_hidden``, no segment starting with a dot."""
    if not path or "\x00" in path or "\\" in path or path.startswith("/"):
        return False
    for part in path.split("/"):
        if part in ("", ".", "..") or (not allow_hidden and part.startswith(".")):
            return False
        if os.path.splitdrive(part)[0]:
            return False
    return True


def resolve_inside(real_root: str, path: str) -> str | None:
    """The real path of the regular file ``path`` names below ``real_root`` (itself a
    real path), or ``None`` when it is missing, not a file, or a symlink leads outside."""
    candidate = os.path.realpath(os.path.join(real_root, path))
    if not candidate.startswith(real_root.rstrip(os.sep) + os.sep):
        return None
    return candidate if os.path.isfile(candidate) else None


def safe_join(
    directory: str | os.PathLike[str], path: str, *, allow_hidden: bool = True
) -> str | None:
    """Resolve ``path`` (from a URL) inside ``directory``, or ``None`` if it could escape.

    Refused: empty, ``.`` and ``..`` segments, backslashes, NUL bytes, drive letters and
    absolute paths, symlinks whose target lies outside ``directory``, and — unless
    ``allow_hidden`` — segments starting with a dot. The result is the real path of an
    existing regular file.
    """
    if not is_safe_relative(path, allow_hidden=allow_hidden):
        return None
    return resolve_inside(os.path.realpath(directory), path)


class _ConditionalResponse(Response):
    """A response with a validator, answering conditional and range requests when sent."""

    __slots__ = ("conditional", "etag", "last_modified", "size")

    conditional: bool
    etag: str | None
    last_modified: float
    size: int

    def _init_validators(
        self, etag: str | None, modified: float, size: int, max_age: int | None
    ) -> None:
        self.etag = etag
        self.last_modified = modified
        self.size = size
        headers = self.raw_headers
        headers.append(("accept-ranges", "bytes"))
        headers.append(("last-modified", http_date(modified)))
        if etag is not None:
            headers.append(("etag", etag))
        if max_age is not None and not any(name == "cache-control" for name, _ in headers):
            headers.append(("cache-control", _cache_control(max_age)))

    def send(self, protocol: HTTPProtocol, request: Request | None = None) -> None:
        """Send the file, or the part of it, or the 304/412/416 that ``request``'s
        conditional and range headers call for."""
        headers = self.raw_headers
        size = self.size
        if request is None or not self.conditional or self.status != 200:
            self._send_span(protocol, self.status, [*headers, _length(size)], 0, size)
            return
        status, start, end = evaluate(
            request.scope.headers, request.scope.method, self.etag or "", self.last_modified, size
        )
        if status == 200:
            self._send_span(protocol, 200, [*headers, ("content-length", str(size))], 0, size)
        elif status == 206:
            ranged = [
                *headers,
                _length(end - start),
                ("content-range", f"bytes {start}-{end - 1}/{self.size}"),
            ]
            self._send_span(protocol, 206, ranged, start, end)
        elif status == 304:
            kept = [(name, value) for name, value in headers if name not in _DROPPED_ON_304]
            protocol.response_empty(304, kept)
        elif status == 416:
            protocol.response_empty(416, [("content-range", f"bytes */{self.size}")])
        else:
            protocol.response_empty(status, [])

    def _send_span(
        self, protocol: Any, status: int, headers: list[tuple[str, str]], start: int, end: int
    ) -> None:
        """Send bytes ``start`` to ``end`` (exclusive); each kind of response says how."""
        raise NotImplementedError


def file_etag(stat: os.stat_result) -> str:
    """A strong ``ETag`` for a file: changes whenever its size or modification time does."""
    return f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'


def _length(size: int) -> tuple[str, str]:
    return ("content-length", str(size))


def _cache_control(max_age: int) -> str:
    return "no-cache" if max_age <= 0 else f"public, max-age={max_age}"


class FileResponse(_ConditionalResponse):
    """Send a file from disk through the server's own file sending (no Python read loop).

    ``download_name`` adds ``Content-Disposition`` (``attachment`` unless
    ``as_attachment=False``); ``max_age`` sets ``Cache-Control``. Conditional requests
    (``If-None-Match``, ``If-Modified-Since``...) and single byte ranges are answered from
    the file's ``ETag`` and modification time.

    >>> @app.get("/report")
    ... async def report():
    ...     return FileResponse("exports/report.csv", download_name="report.csv")
    """

    __slots__ = ("path",)
    media_type = None

    def __init__(
        self,
        path: str | os.PathLike[str],
        status: int = 200,
        headers: HeadersLike | None = None,
        content_type: str | None = None,
        download_name: str | None = None,
        *,
        as_attachment: bool = True,
        max_age: int | None = None,
        conditional: bool = True,
        content_encoding: str | None = None,
    ) -> None:
        self.path = os.fspath(path)
        try:
            stat = os.stat(self.path)
        except OSError:
            raise FileNotFoundError(self.path) from None
        if not stat_module.S_ISREG(stat.st_mode):
            raise FileNotFoundError(self.path)
        super().__init__(b"", status, headers, content_type or guess_type(self.path))
        if download_name is not None:
            self.raw_headers.append(
                (
                    "content-disposition",
                    content_disposition(download_name, attachment=as_attachment),
                )
            )
        if content_encoding is not None:
            self.raw_headers.append(("content-encoding", content_encoding))
        self.conditional = conditional
        self._init_validators(file_etag(stat), stat.st_mtime, stat.st_size, max_age)

    @classmethod
    def prepared(
        cls, path: str, headers: list[tuple[str, str]], etag: str, modified: float, size: int
    ) -> FileResponse:
        """A 200 response for a file whose validators and headers are already known (the
        static file cache), skipping the ``stat`` and header building of ``__init__``."""
        response = cls.__new__(cls)
        response.path = path
        response.body = b""
        response.status = 200
        response.raw_headers = headers
        response.conditional = True
        response.etag = etag
        response.last_modified = modified
        response.size = size
        return response

    def _send_span(
        self, protocol: Any, status: int, headers: list[tuple[str, str]], start: int, end: int
    ) -> None:
        if start == 0 and end == self.size:
            protocol.response_file(status, headers, self.path)
        else:
            protocol.response_file_range(status, headers, self.path, start, end)


class _BytesFileResponse(_ConditionalResponse):
    """A file held in memory, with the same conditional behaviour as :class:`FileResponse`."""

    __slots__ = ()
    media_type = None

    def __init__(
        self,
        data: bytes,
        content_type: str,
        modified: float,
        etag: bool,
        max_age: int | None,
        conditional: bool,
    ) -> None:
        super().__init__(data, 200, None, content_type)
        self.conditional = conditional
        tag = f'"{hashlib.blake2b(data, digest_size=16).hexdigest()}"' if etag else None
        self._init_validators(tag, modified, len(data), max_age)

    def _send_span(
        self, protocol: Any, status: int, headers: list[tuple[str, str]], start: int, end: int
    ) -> None:
        body = self.body
        protocol.response_bytes(
            status, headers, body[start:end] if end - start < len(body) else body
        )


def send_file(
    path_or_file: str | os.PathLike[str] | bytes | IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    *,
    conditional: bool = True,
    etag: bool = True,
    last_modified: float | None = None,
    max_age: int | None = None,
) -> Response:
    """Send a file: a path (sent by the server from disk), ``bytes`` or a binary file object.

    The content type is guessed from ``download_name`` or the path unless ``mimetype`` is
    given. ``as_attachment`` asks the browser to save it (``Content-Disposition``,
    non-ASCII names included). ``max_age`` sets ``Cache-Control`` (``no-cache``, i.e.
    revalidate with the ``ETag``, when ``None``). File objects are read into memory; pass a
    path for large files.

    >>> @app.get("/invoice/<int:number>")
    ... async def invoice(number: int):
    ...     pdf = await render_invoice(number)
    ...     return send_file(pdf, "application/pdf", as_attachment=True,
    ...                      download_name=f"invoice-{number}.pdf")
    """
    if isinstance(path_or_file, (str, os.PathLike)):
        path = os.fspath(path_or_file)
        name = download_name or os.path.basename(path)
        return FileResponse(
            path,
            content_type=mimetype or guess_type(name),
            download_name=name,
            as_attachment=as_attachment,
            max_age=0 if max_age is None else max_age,
            conditional=conditional,
        )
    data = path_or_file if isinstance(path_or_file, bytes) else _read_all(path_or_file)
    if mimetype is None:
        if download_name is None:
            raise TypeError("send_file() needs mimetype= or download_name= for in-memory data")
        mimetype = guess_type(download_name)
    response = _BytesFileResponse(
        data,
        mimetype,
        time.time() if last_modified is None else last_modified,
        etag,
        0 if max_age is None else max_age,
        conditional,
    )
    if download_name is not None:
        response.raw_headers.append(
            ("content-disposition", content_disposition(download_name, attachment=as_attachment))
        )
    elif as_attachment:
        raise TypeError("send_file(as_attachment=True) needs download_name= for in-memory data")
    return response


def _read_all(file: IO[bytes] | bytearray | memoryview) -> bytes:
    if isinstance(file, (bytearray, memoryview)):
        return bytes(file)
    data = file.read()
    if not isinstance(data, bytes):
        raise TypeError("send_file() needs a binary file object (opened with 'rb')")
    return data


def send_from_directory(
    directory: str | os.PathLike[str],
    path: str,
    *,
    as_attachment: bool = False,
    download_name: str | None = None,
    mimetype: str | None = None,
    max_age: int | None = None,
    conditional: bool = True,
) -> Response:
    """Send ``path`` (usually from the URL) from inside ``directory``, or answer 404.

    Nothing outside ``directory`` can be reached: ``..``, encoded separators, absolute
    paths, NUL bytes and symlinks leading out all give 404.

    >>> @app.get("/downloads/<path:name>")
    ... async def download(name: str):
    ...     return send_from_directory("exports", name, as_attachment=True)
    """
    resolved = safe_join(directory, path)
    if resolved is None:
        raise HTTPException(404, "The requested file was not found.")
    return send_file(
        resolved,
        mimetype,
        as_attachment,
        download_name,
        conditional=conditional,
        max_age=max_age,
    )
