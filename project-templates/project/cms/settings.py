"""The CMS's settings, read once from the environment (see ``.env.example``)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from config import SERVICE_NAME

__all__ = ["CMSSettings", "database_url"]


def database_url(raw: str) -> str:
    """The SQLAlchemy async URL for ``raw``: ``postgresql://`` uses asyncpg, ``sqlite://``
    uses aiosqlite; a URL naming its driver already is kept as it is."""
    scheme, separator, rest = raw.partition("://")
    if not separator:
        raise ValueError(f"DATABASE_URL={raw!r} is not a URL (sqlite:///file or postgresql://…)")
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+asyncpg://{rest}"
    if scheme == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    return raw


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if not value:
        return default
    if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
        raise ValueError(f"{name}={value!r} is not a yes/no value (1, 0, true, false)")
    return value.lower() in ("1", "true", "yes")


def _bytes(name: str, default: int) -> int:
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or int(value) == 0:
        raise ValueError(f"{name}={value!r} is not a positive number of bytes")
    return int(value)


@dataclass(frozen=True, slots=True)
class CMSSettings:
    """Where the CMS keeps its data and what it allows."""

    database_url: str
    media_dir: str
    max_media_bytes: int
    allow_registration: bool
    migrate_on_start: bool
    page_size: int

    @classmethod
    def from_env(cls) -> CMSSettings:
        """``DATABASE_URL`` (SQLite in ``APP_DATA_DIR`` unless set), ``APP_MEDIA_DIR``,
        ``APP_MAX_MEDIA_BYTES``, ``APP_ALLOW_REGISTRATION`` and ``APP_MIGRATE_ON_START``."""
        data_dir = os.environ.get("APP_DATA_DIR") or "var"
        return cls(
            database_url=database_url(
                os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir}/{SERVICE_NAME}.cms.sqlite3"
            ),
            media_dir=os.environ.get("APP_MEDIA_DIR") or f"{data_dir}/media",
            max_media_bytes=_bytes("APP_MAX_MEDIA_BYTES", 5 * 1024 * 1024),
            allow_registration=_flag("APP_ALLOW_REGISTRATION", False),
            migrate_on_start=_flag("APP_MIGRATE_ON_START", True),
            page_size=20,
        )
