"""Media uploads: the type is read from the file's first bytes (its name and the
browser's content type are not believed), the size is capped, the name on disk is
random, and images get a thumbnail made by Pillow. Nothing is written until every check
has passed."""

from __future__ import annotations

import asyncio
import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from gobstopper import FileStorage, abort, secure_filename
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cms.models import Media, User
from cms.roles import can_write

__all__ = ["THUMBNAIL_SIZE", "MediaStore", "sniff"]

THUMBNAIL_SIZE = (320, 320)
#: leading bytes → (content type, file extension)
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", ("image/png", "png")),
    (b"\xff\xd8\xff", ("image/jpeg", "jpg")),
    (b"GIF87a", ("image/gif", "gif")),
    (b"GIF89a", ("image/gif", "gif")),
    (b"%PDF-", ("application/pdf", "pdf")),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    """The content type and extension the bytes ``head`` start like, or ``None``."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    for signature, found in _SIGNATURES:
        if head.startswith(signature):
            return found
    return None


@dataclass(frozen=True, slots=True)
class _Checked:
    data: bytes
    mimetype: str
    extension: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def _check_image(data: bytes, mimetype: str, extension: str) -> _Checked:
    """Decode the image fully (a file that only starts like one is refused) and make its
    thumbnail, as PNG."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            image.thumbnail(THUMBNAIL_SIZE)
            buffer = io.BytesIO()
            image.convert("RGBA").save(buffer, "PNG")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        abort(415, f"the file is not a readable {mimetype.partition('/')[2].upper()} image")
    return _Checked(data, mimetype, extension, width, height, buffer.getvalue())


class MediaStore:
    """Uploaded files in ``folder``, at most ``max_bytes`` each."""

    def __init__(self, folder: str | os.PathLike[str], max_bytes: int) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes

    async def _checked(self, upload: FileStorage) -> _Checked:
        name = upload.filename or ""
        if any(part in name for part in ("/", "\\", "..", "\x00")):
            abort(422, "the file name must not hold a path (no '/', '\\' or '..')")
        data = await upload.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            abort(413, f"the file is larger than {self.max_bytes} bytes")
        if not data:
            abort(422, "the file is empty")
        found = sniff(data[:16])
        if found is None:
            abort(415, "only PNG, JPEG, GIF and WebP images and PDF documents are accepted")
        mimetype, extension = found
        if mimetype.startswith("image/"):
            return await asyncio.to_thread(_check_image, data, mimetype, extension)
        return _Checked(data, mimetype, extension)

    def _write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(data)
        partial.replace(self.folder / name)

    async def save(self, db: AsyncSession, user: User, upload: FileStorage) -> Media:
        """Check ``upload`` and keep it: 403 for viewers, 413 when too large, 415 when its
        bytes are not an accepted type, 422 when empty."""
        if not can_write(user):
            abort(403, f"a {user.role} cannot upload media")
        checked = await self._checked(upload)
        stem = uuid.uuid4().hex
        stored = f"{stem}.{checked.extension}"
        thumbnail = f"{stem}.thumb.png" if checked.thumbnail else None
        await asyncio.to_thread(self._write, stored, checked.data)
        if thumbnail and checked.thumbnail:
            await asyncio.to_thread(self._write, thumbnail, checked.thumbnail)
        media = Media(
            stored_name=stored,
            original_name=secure_filename(upload.filename or "") or stored,
            mimetype=checked.mimetype,
            size=len(checked.data),
            width=checked.width,
            height=checked.height,
            thumbnail=thumbnail,
            uploader_id=user.id,
        )
        db.add(media)
        await db.flush()
        return media

    async def listing(self, db: AsyncSession) -> list[Media]:
        """Every file, newest first."""
        return list(await db.scalars(select(Media).order_by(Media.id.desc())))
