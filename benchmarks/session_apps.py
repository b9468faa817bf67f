"""The servers of the session benchmark: the same handler with no session, and with a
Redis or a PostgreSQL session store (``BENCH_REDIS_URL`` / ``BENCH_POSTGRES_DSN``)."""

import os

from gobstopper import Gobstopper, Request
from gobstopper.sessions import PostgresSessionStore, RedisSessionStore, SessionMiddleware


def _app(store=None) -> Gobstopper:
    app = Gobstopper(__name__, static_folder=None, secret_key="benchmark-secret")
    if store is not None:
        app.add_middleware(SessionMiddleware(store))

    @app.post("/login")
    async def login(request: Request):
        if store is None:
            return {"ok": True}
        request.session["user"] = "bench"
        request.session["visits"] = 0
        return {"ok": True}

    @app.get("/read")
    async def read(request: Request):
        user = request.session.get("user") if store is not None else "bench"
        return {"user": user}

    @app.get("/write")
    async def write(request: Request):
        if store is None:
            return {"visits": 1}
        request.session["visits"] = request.session.get("visits", 0) + 1
        return {"visits": request.session["visits"]}

    return app


none = _app()
redis = _app(RedisSessionStore(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")))
postgres = _app(
    PostgresSessionStore(
        os.environ.get("BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"),
        table="gobstopper_bench_sessions",
    )
)
