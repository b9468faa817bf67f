"""Users, tokens, content with tags and full-text search, media.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE content_fts USING fts5("
    "title, body, content='content', content_rowid='id')",
    "CREATE TRIGGER content_fts_insert AFTER INSERT ON content BEGIN "
    "INSERT INTO content_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER content_fts_delete AFTER DELETE ON content BEGIN "
    "INSERT INTO content_fts(content_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER content_fts_update AFTER UPDATE ON content BEGIN "
    "INSERT INTO content_fts(content_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO content_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
_POSTGRES_SEARCH = [
    "ALTER TABLE content ADD COLUMN search tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', title || ' ' || body)) STORED",
    "CREATE INDEX content_search ON content USING gin (search)",
]


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("active", sa.Boolean, nullable=False),
        _timestamp("created_at"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        _timestamp("created_at"),
    )
    op.create_table(
        "reset_tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        _timestamp("expires_at"),
        sa.Column("used", sa.Boolean, nullable=False),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
    )
    op.create_table(
        "content",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(200), nullable=False, unique=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _timestamp("publish_at", nullable=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
    )
    op.create_index("content_status_publish", "content", ["status", "publish_at"])
    op.create_table(
        "content_tags",
        sa.Column(
            "content_id",
            sa.Integer,
            sa.ForeignKey("content.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "tag_id", sa.Integer, sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_table(
        "media",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("stored_name", sa.String(80), nullable=False, unique=True),
        sa.Column("original_name", sa.String(255), nullable=False),
        sa.Column("mimetype", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("thumbnail", sa.String(80)),
        sa.Column("uploader_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        _timestamp("created_at"),
    )
    search = _SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else _POSTGRES_SEARCH
    for statement in search:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE content_fts")
    for table in ("media", "content_tags", "content", "tags", "reset_tokens", "api_tokens"):
        op.drop_table(table)
    op.drop_table("users")
