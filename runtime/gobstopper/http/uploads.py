"""``multipart/form-data``: uploaded files (:class:`FileStorage`) and streaming parsing.

The body is fed, chunk by chunk as it arrives, to python-multipart's streaming parser.
Text fields are kept in memory (each at most ``json_max_bytes``); files are written to a
:class:`~tempfile.SpooledTemporaryFile` that moves to disk past ``upload_spool_bytes``, so
a large upload costs disk space, not memory. Limits (whole body, each file, number of
parts) answer 413; a body that is not well-formed multipart answers 400.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Awaitable, Generator
from typing import IO, TYPE_CHECKING, Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from .datastructures import MultiDict
from .errors import HTTPException

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

    from .request import Request

__all__ = ["FileStorage", "parse_multipart"]

_COPY_BUFFER = 64 * 1024


class _Done:
    """An awaitable that is already complete: what :meth:`FileStorage.save` returns.

    Awaiting it yields nothing and gives ``None``. It is not a coroutine, so dropping it
    unawaited (``file.save(path)``, Werkzeug's style) raises no "never awaited" warning.
    """

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield


_DONE = _Done()


class FileStorage:
    """One uploaded file.

    ``filename`` is what the client sent — never trust it as a path; pass it through
    :func:`~gobstopper.secure_filename` first. ``stream`` is the underlying binary file,
    positioned at the start.

    :meth:`save` works both ways users know it: ``upload.save(path)`` as in Flask and
    Werkzeug, and ``await upload.save(path)`` as in Quart.

    >>> @app.post("/avatar")
    ... async def upload(request):
    ...     files = await request.get_files()
    ...     avatar = files["avatar"]
    ...     avatar.save(UPLOADS / secure_filename(avatar.filename))
    ...     return {"stored": avatar.size}
    """

    __slots__ = ("content_type", "filename", "headers", "name", "size", "stream")

    def __init__(
        self,
        name: str,
        filename: str,
        content_type: str,
        headers: dict[str, str],
        stream: IO[bytes],
        size: int,
    ) -> None:
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.headers = headers
        self.stream = stream
        self.size = size

    @property
    def mimetype(self) -> str:
        """The content type without parameters (``"image/png"``)."""
        return self.content_type.partition(";")[0].strip().lower()

    async def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all by default) from the current position."""
        return await asyncio.to_thread(self.stream.read, size)

    def save(self, destination: str | os.PathLike[str] | IO[bytes]) -> Awaitable[None]:
        """Copy the whole file to ``destination`` (a path, or a binary file object).

        The file is written when ``save`` returns, so ``upload.save(path)`` without
        ``await`` (Werkzeug's synchronous API, as Flask code calls it) is complete on the
        next line; the result is an already-finished awaitable, so ``await
        upload.save(path)`` (Quart's style) works too. Neither leaves a coroutine behind.

        Why not a worker thread: a call that is not awaited could not wait for the thread,
        and would return before the file exists. Writing here blocks the event loop for
        the copy: about a millisecond for a file held in memory (at most
        ``GOBSTOPPER_UPLOAD_SPOOL_BYTES``, 1 MiB), and one to four milliseconds per MiB
        for a larger one, which is copied from its temporary file on disk (100 MiB took
        0.07 to 0.4 s on a busy 2-core machine). To keep the loop free while a very large
        upload is copied, run the same call in a thread:
        ``await asyncio.to_thread(upload.save, path)``.

        The stream's position is restored afterwards, so the file can be saved or read
        again. A missing folder raises :class:`FileNotFoundError` (folders are not
        created, as in Werkzeug).
        """
        position = self.stream.tell()
        self.stream.seek(0)
        try:
            if isinstance(destination, (str, os.PathLike)):
                with open(destination, "wb") as target:
                    shutil.copyfileobj(self.stream, target, _COPY_BUFFER)
            else:
                shutil.copyfileobj(self.stream, destination, _COPY_BUFFER)
        finally:
            self.stream.seek(position)
        return _DONE

    def close(self) -> None:
        """Release the file (a temporary file on disk is deleted)."""
        self.stream.close()

    def __repr__(self) -> str:
        return (
            f"<FileStorage {self.name!r}: {self.filename!r} ({self.content_type}, {self.size} B)>"
        )


def _text(raw: bytes) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class _FormBuilder:
    """The parser's callbacks: collects fields and files and enforces the limits."""

    def __init__(self, *, max_file: int, max_field: int, max_parts: int, spool: int) -> None:
        self.max_file = max_file
        self.max_field = max_field
        self.max_parts = max_parts
        self.spool = spool
        self.fields: list[tuple[str, str]] = []
        self.files: list[tuple[str, FileStorage]] = []
        self.finished = False
        self.parts = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, str] = {}
        self._name = ""
        self._filename: str | None = None
        self._field = bytearray()
        self._file: IO[bytes] | None = None
        self._size = 0

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_end": self.end,
        }

    def part_begin(self) -> None:
        self.parts += 1
        if self.parts > self.max_parts:
            raise HTTPException(413, f"The form has more than {self.max_parts} parts.")
        self._headers = {}
        self._size = 0

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def header_end(self) -> None:
        name = self._header_name.decode("latin-1").strip().lower()
        self._headers[name] = _text(bytes(self._header_value)).strip()
        self._header_name.clear()
        self._header_value.clear()

    def headers_finished(self) -> None:
        disposition = self._headers.get("content-disposition", "")
        kind, options = parse_options_header(disposition.encode("utf-8"))
        name = options.get(b"name")
        if kind != b"form-data" or name is None:
            raise HTTPException(400, "A multipart part has no Content-Disposition form-data name.")
        self._name = _text(name)
        filename = options.get(b"filename")
        self._filename = None if filename is None else _text(filename)
        if self._filename is not None:
            # Owned by the FileStorage made in part_end, which the handler closes or drops.
            self._file = tempfile.SpooledTemporaryFile(max_size=self.spool)  # noqa: SIM115
        else:
            self._field = bytearray()

    def part_data(self, data: bytes, start: int, end: int) -> None:
        self._size += end - start
        if self._file is not None:
            if self._size > self.max_file:
                raise HTTPException(
                    413, f"An uploaded file exceeds the limit of {self.max_file} bytes."
                )
            self._file.write(data[start:end])
        else:
            if self._size > self.max_field:
                raise HTTPException(
                    413, f"Form field {self._name!r} exceeds {self.max_field} bytes."
                )
            self._field += data[start:end]

    def part_end(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            content_type = self._headers.get("content-type", "application/octet-stream")
            upload = FileStorage(
                self._name,
                self._filename or "",
                content_type,
                self._headers,
                self._file,
                self._size,
            )
            self.files.append((self._name, upload))
            self._file = None
            return
        try:
            value = self._field.decode()
        except UnicodeDecodeError:
            raise HTTPException(400, f"Form field {self._name!r} is not valid UTF-8.") from None
        self.fields.append((self._name, value))

    def end(self) -> None:
        self.finished = True

    def discard(self) -> None:
        """Close every temporary file (after an error)."""
        if self._file is not None:
            self._file.close()
        for _, upload in self.files:
            upload.close()


async def parse_multipart(request: Request) -> tuple[MultiDict, MultiDict]:
    """Read ``request``'s ``multipart/form-data`` body into ``(fields, files)``."""
    settings = request.app.settings
    _, options = parse_options_header((request.content_type or "").encode("latin-1", "replace"))
    boundary = options.get(b"boundary")
    if not boundary:
        raise HTTPException(400, "The multipart body has no boundary in its Content-Type.")
    limit = request.max_upload_bytes
    builder = _FormBuilder(
        max_file=settings.max_file_bytes,
        max_field=settings.json_max_bytes,
        max_parts=settings.max_form_parts,
        spool=settings.upload_spool_bytes,
    )
    try:
        parser = MultipartParser(boundary, builder.callbacks())
    except FormParserError as error:
        raise HTTPException(400, f"Malformed multipart body: {error}") from None
    # An async generator function: closed below so its cleanup runs now, not at GC.
    chunks = request.stream(limit)
    try:
        async for chunk in chunks:
            parser.write(chunk)
        if not builder.finished:
            raise HTTPException(400, "The multipart body ended before its closing boundary.")
    except FormParserError as error:
        builder.discard()
        raise HTTPException(400, f"Malformed multipart body: {error}") from None
    except BaseException:
        builder.discard()
        raise
    finally:
        await chunks.aclose()
    # MultiDict is declared for str values; request.get_files() documents FileStorage ones.
    return MultiDict(builder.fields), MultiDict(builder.files)  # type: ignore[arg-type]
