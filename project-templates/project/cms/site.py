"""The site: settings, database, media store and login limits of one application, and
:meth:`Site.install`, which wires them in (startup and shutdown, CSRF, the project
commands ``db upgrade`` and ``create-admin``, template helpers)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click
from gobstopper import Gobstopper, HTTPException, Request, Response, abort, redirect
from gobstopper.ratelimit import RedisTokenBucketLimiter
from gobstopper.security import CSRFMiddleware, csrf_token
from gobstopper.sessions import SessionMiddleware

from cms.accounts import create_user
from cms.db import Database
from cms.limits import login_limiters, shared_url
from cms.media import MediaStore
from cms.migrate import upgrade
from cms.roles import Role, can_publish, can_write, is_admin
from cms.settings import CMSSettings
from cms.web import LoginRequired, bearer_token
from config import Config

if TYPE_CHECKING:
    from gobstopper.middleware.base import CallNext

__all__ = ["ACCOUNT_PATHS", "STATIC", "Site", "TokenAwareCSRF", "site"]

#: The CMS's style sheet and script.
STATIC = Path(__file__).resolve().parent.parent / "static" / "cms"


#: The paths the ``accounts`` service answers (the microservices structure).
ACCOUNT_PATHS = (
    "/login",
    "/logout",
    "/account/",
    "/reset/",
    "/register",
    "/admin/users",
    "/admin/tokens",
)
#: Forms that start a session: checked even without a cookie (no login CSRF).
SESSION_FORMS = ("/login", "/register", "/reset/")


class TokenAwareCSRF:
    """CSRF protection for cookie-authenticated requests.

    A request with an ``Authorization: Bearer`` token is authenticated by that token
    alone, which a cross-site page cannot send, and one with no cookie at all has no
    session to act for (the bearer-token API of ``/reports`` is called that way), so
    both pass unchecked, except posts of the forms that sign someone in.
    """

    def __init__(self) -> None:
        self.csrf = CSRFMiddleware()

    def check_app(self, app: Gobstopper) -> None:
        chain = list(app.middleware)
        if not any(isinstance(m, SessionMiddleware) for m in chain[: chain.index(self)]):
            raise RuntimeError("the CMS's CSRF check needs SessionMiddleware added before it")

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        cookieless = "cookie" not in request.headers
        if bearer_token(request) is not None or (
            cookieless and not request.path.startswith(SESSION_FORMS)
        ):
            return await call_next(request)
        return await self.csrf(request, call_next)


class Site:
    """What the CMS's routes share in one process."""

    def __init__(self, settings: CMSSettings) -> None:
        self.settings = settings
        self.db = Database(settings.database_url)
        self.media = MediaStore(settings.media_dir, settings.max_media_bytes)
        #: Whether browsers reach this application through the gateway, where the
        #: accounts pages live under ``/accounts`` and the rest under ``/content``.
        self.behind_gateway = False
        # Per address and per account: guessing one account from many addresses, or many
        # accounts from one address, both run out. With Redis, across all workers.
        self.login_by_address, self.login_by_account = login_limiters(shared_url(Config.from_env()))

    def href(self, path: str) -> str:
        """``path`` as the browser must ask for it: behind the gateway, with the prefix of
        the service that answers it."""
        if not self.behind_gateway:
            return path
        return f"{'/accounts' if path.startswith(ACCOUNT_PATHS) else '/content'}{path}"

    async def check_login_rate(self, address: str, email: str) -> None:
        """429 once this address or this account has tried too often."""
        for limiter, key in ((self.login_by_address, address), (self.login_by_account, email)):
            result = await limiter.hit(key.strip().lower())
            if not result.allowed:
                abort(429, "too many sign-in attempts: wait a minute", headers=result.headers())

    async def close_login_limits(self) -> None:
        """Close this process's connections to the Redis that keeps the sign-in limits."""
        for limiter in (self.login_by_address, self.login_by_account):
            if isinstance(limiter, RedisTokenBucketLimiter):
                await limiter.aclose()

    async def start(self) -> None:
        """Open the database and, unless turned off, bring its schema up to date."""
        engine = self.db.open()
        if self.settings.migrate_on_start:
            await upgrade(engine)

    def install(self, app: Gobstopper, *, shared_sessions: bool = False) -> None:
        """Wire the site into ``app`` (call it in ``create_app``, after the session
        middleware). With ``shared_sessions`` (services behind the gateway that sign users
        in for each other), refuse a session store only this process can see, or a secret
        key of this process alone."""
        if shared_sessions:
            config = Config.from_env()
            if config.session_backend not in ("redis", "postgres"):
                raise RuntimeError(
                    f"APP_SESSION_BACKEND={config.session_backend!r}: the accounts and content "
                    "services share sign-ins, so they need a shared session store; set "
                    "APP_SESSION_BACKEND to redis (with APP_REDIS_URL) or postgres (with "
                    "APP_POSTGRES_DSN)"
                )
            if not config.secret_key:
                raise RuntimeError(
                    "GOBSTOPPER_SECRET_KEY is not set: the accounts and content services must "
                    "sign session cookies with the same key; set it (the same) for every service"
                )
            self.behind_gateway = True
        app.add_middleware(TokenAwareCSRF())
        app.on_startup(self.start)
        app.on_shutdown(self.db.close)
        app.on_shutdown(self.close_login_limits)
        app.register_error_handler(LoginRequired, self._to_login)
        for name, value in {
            "csrf_token": csrf_token,
            "href": self.href,
            "can_write": can_write,
            "can_publish": can_publish,
            "is_admin": is_admin,
        }.items():
            app.template_global(name)(value)
        self._commands(app)

    def _to_login(self, error: LoginRequired) -> Response:
        return redirect(self.href(f"/login?next={error.next}"), 303)

    def _commands(self, app: Gobstopper) -> None:
        @app.cli.group("db")
        def database() -> None:
            """The CMS's database."""

        @database.command("upgrade")
        def db_upgrade() -> None:
            """Apply the migrations the database has not had yet.

            Example: gobstopper db upgrade
            """

            async def run() -> None:
                try:
                    await upgrade(self.db.open())
                finally:
                    await self.db.close()

            asyncio.run(run())
            click.echo(f"database at the newest migration ({self.settings.database_url})")

        @app.cli.command("create-admin")
        @click.argument("email")
        @click.option("--name", default="", help="The name shown on their articles.")
        @click.password_option(help="At least 10 characters (asked for when not given).")
        def create_admin(email: str, name: str, password: str) -> None:
            """Create an administrator who can sign in at /login (the database is
            migrated first, so this works on a new project).

            Example: gobstopper create-admin ada@example.com
            """

            async def run() -> str:
                try:
                    await upgrade(self.db.open())
                    async with self.db.session() as db:
                        return (await create_user(db, email, name, Role.ADMIN, password)).email
                finally:
                    await self.db.close()

            try:
                created = asyncio.run(run())
            except HTTPException as error:
                raise click.ClickException(error.description) from None
            click.echo(f"admin {created} created")


#: The site of this process's application.
site = Site(CMSSettings.from_env())
