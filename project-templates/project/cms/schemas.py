"""What the JSON API takes and gives: msgspec Structs, checked as the body is decoded
(a wrong type or a missing field is a 422 naming it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

__all__ = ["ContentIn", "ContentOut", "ContentPage", "ContentPatch", "UserIn", "UserOut"]

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Slug = Annotated[
    str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
]
TagName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Kind = Literal["article", "page"]
Status = Literal["draft", "scheduled", "published"]


class ContentIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new article or page; the slug is made from the title unless given."""

    title: Title
    body: Annotated[str, msgspec.Meta(max_length=200_000)] = ""
    kind: Kind = "article"
    slug: Slug | None = None
    status: Status = "draft"
    publish_at: datetime | None = None
    tags: Annotated[list[TagName], msgspec.Meta(max_length=20)] = []


class ContentPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to an article or page: fields left out stay as they are."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    body: Annotated[str, msgspec.Meta(max_length=200_000)] | msgspec.UnsetType = msgspec.UNSET
    kind: Kind | msgspec.UnsetType = msgspec.UNSET
    slug: Slug | msgspec.UnsetType = msgspec.UNSET
    status: Status | msgspec.UnsetType = msgspec.UNSET
    publish_at: datetime | None | msgspec.UnsetType = msgspec.UNSET
    tags: Annotated[list[TagName], msgspec.Meta(max_length=20)] | msgspec.UnsetType = msgspec.UNSET


class ContentOut(msgspec.Struct):
    id: int
    kind: str
    title: str
    slug: str
    body: str
    html: str
    status: str
    publish_at: datetime | None
    author: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime


class ContentPage(msgspec.Struct):
    """One page of a listing; ``next`` is the cursor of the following page (``None`` at
    the end)."""

    items: list[ContentOut]
    next: str | None


class UserIn(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    role: str
    name: str = ""


class UserOut(msgspec.Struct):
    id: int
    email: str
    name: str
    role: str
    active: bool
