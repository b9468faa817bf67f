"""Application settings read once at startup from arguments and the environment.

Environment variables (arguments to :class:`~gobstopper.Gobstopper` win over them):

``GOBSTOPPER_JSON_MAX_BYTES``
    Largest request body read into memory, in bytes (default 1 MiB). Larger → 413.
``GOBSTOPPER_JSON_MAX_DEPTH``
    Deepest JSON nesting accepted (default 64). Deeper → 400.
``GOBSTOPPER_TRUSTED_PROXIES``
    Comma-separated addresses or networks whose ``X-Forwarded-For`` is believed.
``GOBSTOPPER_MAX_UPLOAD_BYTES``
    Largest ``multipart/form-data`` body (default 100 MiB). Larger → 413.
``GOBSTOPPER_MAX_FILE_BYTES``
    Largest single uploaded file (default: the upload limit). Larger → 413.
``GOBSTOPPER_UPLOAD_SPOOL_BYTES``
    Uploaded files larger than this (default 1 MiB) are kept in a temporary file, not in
    memory.
``GOBSTOPPER_MAX_FORM_PARTS``
    Most fields and files in one form (default 1000). More → 413.
``GOBSTOPPER_MAX_WS_MESSAGE_BYTES``
    Largest WebSocket message accepted (default 1 MiB); larger closes with 1009.
``GOBSTOPPER_DEBUG``
    ``1``/``true`` turns on debug mode (tracebacks in error pages).
``GOBSTOPPER_SECRET_KEY``
    Key that signs session ids, notification cookies and CSRF tokens. Without one, a
    random key is made per process (and a warning logged): signed cookies then do not
    survive a restart and are not shared between workers.
``GOBSTOPPER_SECRET_KEY_FALLBACKS``
    Comma-separated earlier secret keys, newest first. Nothing is signed with them, but
    what they signed still verifies, so a new ``GOBSTOPPER_SECRET_KEY`` logs nobody out.
``ENV`` / ``GOBSTOPPER_ENV``
    ``production`` turns on the production cookie policy: cookies get ``Secure``,
    ``HttpOnly`` and ``SameSite=Lax`` unless set otherwise (which is logged).
``GOBSTOPPER_TASK_DATABASE``
    The file background tasks are kept in (default ``gobstopper_tasks.sqlite3`` in the
    current directory): SQLite, which several processes may share, or DuckDB when the
    name ends in ``.duckdb`` (one process at a time).
``GOBSTOPPER_TASK_BROKER``
    A ``redis://`` URL: background tasks then use Redis Streams, which any number of
    processes and machines share, instead of the task file.
``GOBSTOPPER_ALLOW_INSECURE_COOKIES``
    ``true`` opts out of the production cookie policy (plain-HTTP staging, say).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Settings", "env_flag"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_DEFAULT_JSON_MAX_BYTES = 1024 * 1024
_DEFAULT_JSON_MAX_DEPTH = 64
_DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024
_DEFAULT_UPLOAD_SPOOL_BYTES = 1024 * 1024
_DEFAULT_MAX_FORM_PARTS = 1000
_DEFAULT_MAX_WS_MESSAGE_BYTES = 1024 * 1024


def env_flag(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable (``1``, ``true``, ``yes``, ``on``)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} must be positive, got {number}")
    return number


def _environment() -> str:
    value = os.environ.get("GOBSTOPPER_ENV") or os.environ.get("ENV") or ""
    return value.strip().lower()


def _broker_url(value: str | None) -> str | None:
    if not value:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(
            f"the task broker must be a redis://, rediss:// or unix:// URL, got {value!r}"
        )
    return value


def _networks(values: Iterable[str]) -> tuple[Network, ...]:
    networks = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValueError(f"trusted proxy {value!r} is not an IP address or network") from None
    return tuple(networks)


def _fallback_keys(given: Iterable[str] | None) -> tuple[str, ...]:
    if given is None:
        listed = os.environ.get("GOBSTOPPER_SECRET_KEY_FALLBACKS", "").split(",")
        return tuple(key.strip() for key in listed if key.strip())
    if isinstance(given, str):
        raise TypeError("secret_key_fallbacks takes a list of keys, not one string")
    return tuple(given)


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings of one application; see the module docs for the variables."""

    debug: bool
    json_max_bytes: int
    json_max_depth: int
    trusted_proxies: tuple[Network, ...]
    max_upload_bytes: int = _DEFAULT_MAX_UPLOAD_BYTES
    max_file_bytes: int = _DEFAULT_MAX_UPLOAD_BYTES
    upload_spool_bytes: int = _DEFAULT_UPLOAD_SPOOL_BYTES
    max_form_parts: int = _DEFAULT_MAX_FORM_PARTS
    max_ws_message_bytes: int = _DEFAULT_MAX_WS_MESSAGE_BYTES
    secret_key: str | None = None
    secret_key_fallbacks: tuple[str, ...] = ()
    production: bool = False
    allow_insecure_cookies: bool = False
    task_database: str = "gobstopper_tasks.sqlite3"
    task_broker: str | None = None

    @classmethod
    def resolve(
        cls,
        *,
        debug: bool | None = None,
        json_max_bytes: int | None = None,
        json_max_depth: int | None = None,
        trusted_proxies: Iterable[str] | None = None,
        max_upload_bytes: int | None = None,
        max_file_bytes: int | None = None,
        secret_key: str | None = None,
        secret_key_fallbacks: Iterable[str] | None = None,
        task_database: str | None = None,
        task_broker: str | None = None,
    ) -> Settings:
        """Combine explicit arguments with the environment (arguments win)."""
        if trusted_proxies is None:
            trusted_proxies = os.environ.get("GOBSTOPPER_TRUSTED_PROXIES", "").split(",")
        upload = max_upload_bytes or _env_int(
            "GOBSTOPPER_MAX_UPLOAD_BYTES", _DEFAULT_MAX_UPLOAD_BYTES
        )
        return cls(
            debug=env_flag("GOBSTOPPER_DEBUG") if debug is None else debug,
            json_max_bytes=json_max_bytes
            or _env_int("GOBSTOPPER_JSON_MAX_BYTES", _DEFAULT_JSON_MAX_BYTES),
            json_max_depth=json_max_depth
            or _env_int("GOBSTOPPER_JSON_MAX_DEPTH", _DEFAULT_JSON_MAX_DEPTH),
            trusted_proxies=_networks(trusted_proxies),
            max_upload_bytes=upload,
            max_file_bytes=max_file_bytes or _env_int("GOBSTOPPER_MAX_FILE_BYTES", upload),
            upload_spool_bytes=_env_int(
                "GOBSTOPPER_UPLOAD_SPOOL_BYTES", _DEFAULT_UPLOAD_SPOOL_BYTES
            ),
            max_form_parts=_env_int("GOBSTOPPER_MAX_FORM_PARTS", _DEFAULT_MAX_FORM_PARTS),
            max_ws_message_bytes=_env_int(
                "GOBSTOPPER_MAX_WS_MESSAGE_BYTES", _DEFAULT_MAX_WS_MESSAGE_BYTES
            ),
            secret_key=secret_key or os.environ.get("GOBSTOPPER_SECRET_KEY") or None,
            secret_key_fallbacks=_fallback_keys(secret_key_fallbacks),
            production=_environment() == "production",
            allow_insecure_cookies=env_flag("GOBSTOPPER_ALLOW_INSECURE_COOKIES"),
            task_database=task_database
            or os.environ.get("GOBSTOPPER_TASK_DATABASE")
            or "gobstopper_tasks.sqlite3",
            task_broker=_broker_url(task_broker or os.environ.get("GOBSTOPPER_TASK_BROKER")),
        )
