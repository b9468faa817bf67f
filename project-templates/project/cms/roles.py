"""Roles and what each may do. The server checks these on every page and API call; the
admin pages only hide what would be refused anyway.

- admin: users and everything else
- editor: all content and media
- author: their own content, never published by them; media
- viewer: reads the admin pages and the API
"""

from __future__ import annotations

from cms.models import Content, User

__all__ = ["ROLES", "Role", "can_edit", "can_publish", "can_write", "is_admin"]


class Role:
    """The role names, as stored in ``users.role``."""

    ADMIN = "admin"
    EDITOR = "editor"
    AUTHOR = "author"
    VIEWER = "viewer"


#: Every role, most powerful first.
ROLES = (Role.ADMIN, Role.EDITOR, Role.AUTHOR, Role.VIEWER)


def is_admin(user: User) -> bool:
    return user.role == Role.ADMIN


def can_write(user: User) -> bool:
    """Whether ``user`` may create content and upload media."""
    return user.role in (Role.ADMIN, Role.EDITOR, Role.AUTHOR)


def can_publish(user: User) -> bool:
    """Whether ``user`` may publish or schedule content (authors keep drafts)."""
    return user.role in (Role.ADMIN, Role.EDITOR)


def can_edit(user: User, content: Content) -> bool:
    """Whether ``user`` may change or delete ``content``: editors any, authors their own
    drafts."""
    if can_publish(user):
        return True
    return user.role == Role.AUTHOR and content.author_id == user.id and content.status == "draft"
