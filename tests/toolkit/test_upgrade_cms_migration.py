"""A content-management project on an older template version gets the newer version's
Alembic migration the way a user gets it: ``gobstopper upgrade`` brings the migration file,
``gobstopper db upgrade`` applies it, and the rows already stored stay as they were."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gobstopper_toolkit import templates

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}

#: The v2 template's migration: a table nothing uses yet, so only the schema changes.
MIGRATION_0002 = '''"""Redirects from old slugs.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "redirects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("old_slug", sa.String(200), nullable=False, unique=True),
        sa.Column("content_id", sa.Integer, sa.ForeignKey("content.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("redirects")
'''


def _run(directory: Path, *command: str) -> str:
    done = subprocess.run(list(command), cwd=directory, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done.stdout


def _gobstopper(project: Path, *arguments: str) -> str:
    return _run(project, sys.executable, "-m", "gobstopper", *arguments)


def _tables_and_revision(database: Path) -> tuple[set[str], str, list[tuple[str, str]]]:
    with sqlite3.connect(database) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        users = connection.execute("SELECT email, role FROM users ORDER BY id").fetchall()
    return tables, revision, users


def test_a_later_template_migration_is_applied_by_upgrade_then_db_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GOBSTOPPER_TEMPLATE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    template = tmp_path / "template"
    shutil.copytree(templates.template_root(), template)
    _run(template, "git", "init", "-q")
    _run(template, "git", "add", "-A")
    _run(template, "git", "commit", "-q", "-m", "v1")
    _run(template, "git", "tag", "v1.0.0")

    _gobstopper(
        tmp_path,
        "init", "press", "--template", str(template), "--vcs-ref", "v1.0.0",
        "--usecase", "content-management", "--structure", "single",
    )  # fmt: skip
    project = tmp_path / "press"
    assert "_commit: v1.0.0" in (project / ".copier-answers.yml").read_text()
    _gobstopper(project, "db", "upgrade")
    _gobstopper(project, "create-admin", "ada@example.com", "--password", "correct horse 1")
    database = tmp_path / "data" / "press.cms.sqlite3"
    tables, revision, users = _tables_and_revision(database)
    assert revision == "0001"
    assert "redirects" not in tables
    assert users == [("ada@example.com", "admin")]

    versions = template / "project" / "cms" / "migrations" / "versions"
    (versions / "0002_redirects.py").write_text(MIGRATION_0002)
    _run(template, "git", "add", "-A")
    _run(template, "git", "commit", "-q", "-m", "v2: redirects table")
    _run(template, "git", "tag", "v2.0.0")

    assert "from v1.0.0 to v2.0.0" in _gobstopper(project, "upgrade")
    assert (project / "cms" / "migrations" / "versions" / "0002_redirects.py").is_file()
    assert "database at the newest migration" in _gobstopper(project, "db", "upgrade")
    tables, revision, users = _tables_and_revision(database)
    assert revision == "0002"
    assert "redirects" in tables
    assert users == [("ada@example.com", "admin")]
    with sqlite3.connect(database) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(redirects)")]
    assert columns == ["id", "old_slug", "content_id"]
