"""Articles and pages: create, change, delete, find, list with filters, full-text search
and cursor pagination. The caller's role is checked here, so the admin pages and the API
refuse the same things."""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import msgspec
from gobstopper import abort
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from cms.markup import render_markdown
from cms.models import Content, Tag, User, as_utc, utcnow
from cms.roles import can_edit, can_publish, can_write
from cms.schemas import ContentIn, ContentOut, ContentPatch

__all__ = [
    "Filters",
    "content_counts",
    "create_content",
    "delete_content",
    "editable_content",
    "list_content",
    "public_content",
    "slugify",
    "to_out",
    "update_content",
]


def slugify(title: str) -> str:
    """``"Hello, World!"`` → ``"hello-world"`` (ASCII letters and digits, ``-`` between)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:190].strip("-")
    return slug or "untitled"


def to_out(content: Content) -> ContentOut:
    """The API's view of ``content``."""
    return ContentOut(
        id=content.id,
        kind=content.kind,
        title=content.title,
        slug=content.slug,
        body=content.body,
        html=content.body_html,
        status=content.status,
        publish_at=content.publish_at and as_utc(content.publish_at),
        author=content.author.name,
        tags=sorted(tag.name for tag in content.tags),
        created_at=as_utc(content.created_at),
        updated_at=as_utc(content.updated_at),
    )


def _visible_now() -> ColumnElement[bool]:
    """Published content, and scheduled content whose time has come."""
    return or_(
        Content.status == "published",
        and_(Content.status == "scheduled", Content.publish_at <= utcnow()),
    )


async def _tags(db: AsyncSession, names: list[str]) -> list[Tag]:
    wanted = sorted({name.strip().lower() for name in names if name.strip()})
    found = {tag.name: tag for tag in await db.scalars(select(Tag).where(Tag.name.in_(wanted)))}
    for name in wanted:
        if name not in found:
            found[name] = Tag(name=name)
            db.add(found[name])
    return [found[name] for name in wanted]


async def _free_slug(db: AsyncSession, wanted: str, explicit: bool, own_id: int | None) -> str:
    """``wanted`` when no other content has it; 409 for an explicit slug that is taken, the
    first free ``wanted-2``, ``wanted-3``… for a generated one."""
    query = select(Content.slug).where(Content.slug.like(f"{wanted}%"))
    if own_id is not None:
        query = query.where(Content.id != own_id)
    taken = set(await db.scalars(query))
    if wanted not in taken:
        return wanted
    if explicit:
        abort(409, f"the slug {wanted!r} is taken")
    number = 2
    while f"{wanted}-{number}" in taken:
        number += 1
    return f"{wanted}-{number}"


def _check_status(user: User, status: str, publish_at: datetime | None) -> None:
    if status != "draft" and not can_publish(user):
        abort(403, "only editors and admins publish or schedule content")
    if status == "scheduled" and publish_at is None:
        abort(422, "scheduled content needs `publish_at`")


async def create_content(db: AsyncSession, user: User, data: ContentIn) -> Content:
    """New content by ``user`` (403 for viewers, and for authors asking to publish)."""
    if not can_write(user):
        abort(403, f"a {user.role} cannot create content")
    _check_status(user, data.status, data.publish_at)
    slug = await _free_slug(db, data.slug or slugify(data.title), data.slug is not None, None)
    content = Content(
        kind=data.kind,
        title=data.title,
        slug=slug,
        body=data.body,
        body_html=render_markdown(data.body),
        status=data.status,
        publish_at=data.publish_at or (utcnow() if data.status == "published" else None),
        author_id=user.id,
        author=user,
        tags=await _tags(db, data.tags),
    )
    db.add(content)
    await db.flush()
    return content


async def editable_content(db: AsyncSession, user: User, content_id: int) -> Content:
    """The content ``user`` may change: 404 when there is none, 403 when it is not theirs
    to change."""
    content = await db.get(Content, content_id)
    if content is None:
        abort(404, f"no content with id {content_id}")
    if not can_edit(user, content):
        abort(403, f"a {user.role} cannot change this content")
    return content


async def update_content(
    db: AsyncSession, user: User, content: Content, patch: ContentPatch
) -> Content:
    """Apply ``patch`` to ``content`` (see :func:`editable_content` for who may)."""
    changes = {
        name: value
        for name in patch.__struct_fields__
        if (value := getattr(patch, name)) is not msgspec.UNSET
    }
    status = changes.get("status", content.status)
    publish_at = changes.get("publish_at", content.publish_at)
    if "status" in changes or "publish_at" in changes:
        _check_status(user, status, publish_at)
    if "slug" in changes:
        content.slug = await _free_slug(db, changes["slug"], True, content.id)
    if "body" in changes:
        content.body = changes["body"]
        content.body_html = render_markdown(content.body)
    if "tags" in changes:
        content.tags = await _tags(db, changes["tags"])
    for name in ("title", "kind", "status"):
        if name in changes:
            setattr(content, name, changes[name])
    if status == "published" and publish_at is None:
        publish_at = utcnow()
    content.publish_at = publish_at
    content.updated_at = utcnow()
    await db.flush()
    return content


async def delete_content(db: AsyncSession, user: User, content_id: int) -> None:
    """Remove content (the same rights as changing it)."""
    await db.delete(await editable_content(db, user, content_id))


@dataclass(frozen=True, slots=True)
class Filters:
    """What a listing is narrowed to; every field is optional."""

    status: str | None = None
    kind: str | None = None
    tag: str | None = None
    author_id: int | None = None
    search: str | None = None
    published_only: bool = False


def _cursor(content_id: int) -> str:
    return base64.urlsafe_b64encode(str(content_id).encode()).decode().rstrip("=")


def _after(cursor: str) -> int:
    try:
        value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        value = ""
    if not value.isdigit():
        abort(422, "`cursor` is not one this API gave out")
    return int(value)


def _search(query: Select[tuple[Content]], db: AsyncSession, words: str) -> Select[tuple[Content]]:
    if db.get_bind().dialect.name == "sqlite":
        # Each word quoted: FTS5 operators typed by a visitor are searched for, not run.
        terms = " ".join('"' + word.replace('"', '""') + '"' for word in words.split())
        matching = text("SELECT rowid FROM content_fts WHERE content_fts MATCH :terms")
        return query.where(Content.id.in_(matching.bindparams(terms=terms)))
    return query.where(
        text("content.search @@ plainto_tsquery('simple', :terms)").bindparams(terms=words)
    )


async def list_content(
    db: AsyncSession, filters: Filters, *, cursor: str | None = None, limit: int = 20
) -> tuple[list[Content], str | None]:
    """A page of content, newest first, and the cursor of the next page."""
    query = select(Content).order_by(Content.id.desc()).limit(limit + 1)
    if filters.published_only:
        query = query.where(_visible_now())
    if filters.status:
        query = query.where(Content.status == filters.status)
    if filters.kind:
        query = query.where(Content.kind == filters.kind)
    if filters.author_id is not None:
        query = query.where(Content.author_id == filters.author_id)
    if filters.tag:
        query = query.where(Content.tags.any(Tag.name == filters.tag.lower()))
    if filters.search and filters.search.strip():
        query = _search(query, db, filters.search)
    if cursor:
        query = query.where(Content.id < _after(cursor))
    rows = list((await db.scalars(query)).unique())
    if len(rows) > limit:
        return rows[:limit], _cursor(rows[limit - 1].id)
    return rows, None


async def public_content(db: AsyncSession, slug: str) -> Content | None:
    """The published content at ``slug``, if any."""
    return await db.scalar(select(Content).where(Content.slug == slug, _visible_now()))


async def content_counts(db: AsyncSession) -> dict[str, int]:
    """How much content there is in each status."""
    query = select(Content.status, func.count()).group_by(Content.status)
    counts = {"draft": 0, "scheduled": 0, "published": 0}
    counts.update({status: number for status, number in (await db.execute(query)).all()})
    return counts
