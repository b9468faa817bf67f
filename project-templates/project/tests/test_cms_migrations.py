"""The migrations build the schema from an empty database, search works on it, and they
come down and go up again: on SQLite, and on PostgreSQL when GOBSTOPPER_TEST_POSTGRES_DSN
is set."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from cms.content import Filters, list_content
from cms.db import Database
from cms.migrate import current_revision, downgrade, head_revision, upgrade
from cms.models import Content, User
from cms.settings import database_url
from tests.cms_support import cms_database

TABLES = {"alembic_version", "api_tokens", "content", "content_tags", "media", "reset_tokens"}
TABLES |= {"tags", "users"}


async def _table_names(database: Database) -> set[str]:
    async with database.open().connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return {name for name in names if not name.startswith("content_fts")}


async def _migrate_and_search(database: Database) -> list[str]:
    engine = database.open()
    assert await current_revision(engine) is None
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()
    assert await _table_names(database) == TABLES
    async with database.session() as db:
        author = User(email="a@example.com", name="A", role="author", password_hash=None)
        db.add(author)
        await db.flush()
        for title, body in (("Whales", "blue whales sing"), ("Cats", "cats purr")):
            db.add(
                Content(
                    kind="article", title=title, slug=title.lower(), body=body,
                    body_html="", status="draft", author_id=author.id,
                )
            )  # fmt: skip
    async with database.session() as db:
        found, _ = await list_content(db, Filters(search="whales"))
        assert await db.scalar(select(Content.slug).where(Content.slug == "cats")) == "cats"
    return [content.slug for content in found]


async def _down_and_up(database: Database) -> set[str]:
    engine = database.open()
    await downgrade(engine, "base")
    assert await _table_names(database) == {"alembic_version"}
    await upgrade(engine)
    return await _table_names(database)


def test_migrations_build_the_schema_from_empty(tmp_path: Path) -> None:
    with cms_database(f"sqlite+aiosqlite:///{tmp_path}/empty.sqlite3") as url:
        database = Database(url)

        async def scenario() -> None:
            try:
                assert await _migrate_and_search(database) == ["whales"]
                assert await _down_and_up(database) == TABLES
            finally:
                await database.close()

        asyncio.run(scenario())


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u@db:5432/cms", "postgresql+asyncpg://u@db:5432/cms"),
        ("postgres://u@db/cms", "postgresql+asyncpg://u@db/cms"),
        ("sqlite:///var/cms.sqlite3", "sqlite+aiosqlite:///var/cms.sqlite3"),
        ("postgresql+asyncpg://u@db/cms", "postgresql+asyncpg://u@db/cms"),
    ],
)
def test_database_urls_get_their_async_driver(given: str, used: str) -> None:
    assert database_url(given) == used


def test_a_database_url_that_is_not_a_url_is_refused() -> None:
    with pytest.raises(ValueError, match="DATABASE_URL='cms.db' is not a URL"):
        database_url("cms.db")
