"""Helpers the route files share: HTML answers with an ETag (304 when the browser has
the page already), listing filters read from a query string, forms read into Structs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

import msgspec
from gobstopper import Request, Response, abort

from cms.content import Filters
from cms.schemas import ContentIn, ContentPatch

__all__ = ["content_form", "filters_from", "html_with_etag", "page_limit", "safe_next"]


def html_with_etag(request: Request, html: str) -> Response:
    """``html`` with a strong ETag of its bytes; 304 when ``If-None-Match`` names it."""
    body = html.encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    asked = request.headers.get("if-none-match") or ""
    if any(tag.strip().removeprefix("W/") == etag for tag in asked.split(",")):
        return Response(b"", status=304, headers=headers)
    return Response(body, status=200, headers=headers, content_type="text/html; charset=utf-8")


def filters_from(request: Request, *, published_only: bool = False) -> Filters:
    """``status``, ``kind``, ``tag``, ``author`` and ``q`` of the query string."""
    args = request.args
    author = args.get("author") or None
    if author is not None and not author.isdigit():
        abort(422, "`author` must be a user id")
    status = args.get("status") or None
    if status not in (None, "draft", "scheduled", "published"):
        abort(422, "`status` must be draft, scheduled or published")
    return Filters(
        status=status,
        kind=args.get("kind") or None,
        tag=args.get("tag") or None,
        author_id=None if author is None else int(author),
        search=args.get("q") or None,
        published_only=published_only,
    )


def page_limit(request: Request, default: int) -> int:
    """``limit`` of the query string: 1 to 100."""
    raw = request.args.get("limit") or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        abort(422, "`limit` must be a whole number from 1 to 100")
    return int(raw)


def _form_fields(form: Mapping[str, str]) -> dict[str, object]:
    get = form.get
    fields: dict[str, object] = {
        "title": (get("title") or "").strip(),
        "body": get("body") or "",
        "kind": get("kind") or "article",
        "status": get("status") or "draft",
        "tags": [tag.strip() for tag in (get("tags") or "").split(",") if tag.strip()],
    }
    if (get("slug") or "").strip():
        fields["slug"] = get("slug").strip()
    if (get("publish_at") or "").strip():
        try:
            moment = datetime.fromisoformat(get("publish_at").strip())
            fields["publish_at"] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            abort(422, "`publish_at` is not a date and time (YYYY-MM-DDTHH:MM)")
    return fields


def content_form(
    form: Mapping[str, str], struct: type[ContentIn] | type[ContentPatch]
) -> ContentIn | ContentPatch:
    """The admin editor's form as the Struct the API takes (422 naming what is wrong)."""
    try:
        return msgspec.convert(_form_fields(form), struct)
    except msgspec.ValidationError as error:
        abort(422, str(error))


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when it is a path of this site, else ``fallback`` (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return fallback
