"""Sessions and rate limits shared by Granian worker processes (``gobstopper run -w 2``)
through real Redis, PostgreSQL and files."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server, wait_for_workers

pytestmark = pytest.mark.integration

APP = """
import os

from gobstopper import Gobstopper, Request
from gobstopper.sessions import FileSessionStore, PostgresSessionStore, RedisSessionStore
from gobstopper.sessions import SessionMiddleware
from gobstopper.utils.rate_limiter import RedisTokenBucketLimiter, rate_limit

kind, target = os.environ["STORE"], os.environ["TARGET"]
if kind == "redis":
    store = RedisSessionStore(target, prefix=os.environ["PREFIX"])
elif kind == "postgres":
    store = PostgresSessionStore(target, table=os.environ["TABLE"])
else:
    store = FileSessionStore(target)
limiter = RedisTokenBucketLimiter(
    rate=0.01, capacity=6, url=os.environ["REDIS_URL"], prefix=os.environ["PREFIX"]
)

app = Gobstopper(__name__, secret_key="shared-by-every-worker")
app.add_middleware(SessionMiddleware(store))
app.on_shutdown(store.aclose)
app.on_shutdown(limiter.aclose)


@app.post("/login/<user>")
async def login(request: Request, user: str):
    request.session.regenerate()
    request.session["user"] = user
    return {"pid": os.getpid()}


@app.after_request
async def tell_the_worker(request, response):
    response.headers["X-Worker"] = str(os.getpid())
    return response


@app.get("/pid")
async def pid():
    return {"pid": os.getpid()}


@app.get("/me")
async def me(request: Request):
    return {"pid": os.getpid(), "user": request.session.get("user")}


@app.get("/limited")
@rate_limit(limiter, key=lambda request: "everyone")
async def limited():
    return {"pid": os.getpid()}
"""


def fresh_connection(server: Server) -> httpx.Client:
    """A client that opens a new connection per request, so requests spread over the
    workers."""
    return httpx.Client(base_url=server.url, headers={"Connection": "close"}, timeout=10)


@pytest.fixture(params=["redis", "postgres", "file"])
def server(
    request: pytest.FixtureRequest,
    serve: Callable[..., Server],
    redis_url: str,
    tmp_path: Path,
) -> Server:
    targets = {
        "redis": lambda: redis_url,
        "postgres": lambda: request.getfixturevalue("postgres_dsn"),
        "file": lambda: str(tmp_path / "sessions"),
    }
    env = {
        "STORE": request.param,
        "TARGET": targets[request.param](),
        "PREFIX": f"test:{uuid.uuid4().hex}:",
        "TABLE": f"sessions_{uuid.uuid4().hex[:12]}",
        "REDIS_URL": redis_url,
    }
    server = serve(APP, "-w", "2", env=env)
    wait_for_workers(server, "/pid")
    return server


def test_a_session_written_by_one_worker_is_read_by_the_other(server: Server) -> None:
    with fresh_connection(server) as client:
        login = client.post("/login/ada")
        assert login.status_code == 200
        writer = login.json()["pid"]
        readers = set()
        for _ in range(200):
            me = client.get("/me").json()
            assert me["user"] == "ada"
            readers.add(me["pid"])
            if readers - {writer}:
                break
    assert readers - {writer}, "every request landed on the worker that wrote the session"


@pytest.mark.parametrize("server", ["redis"], indirect=True)
def test_a_redis_rate_limit_holds_across_workers(server: Server) -> None:
    """The burst of 6 is spent wherever it lands; afterwards both workers refuse."""
    with fresh_connection(server) as client:
        burst = [client.get("/limited") for _ in range(6)]
        assert [answer.status_code for answer in burst] == [200] * 6
        refused_by: set[str] = set()
        for _ in range(100):
            answer = client.get("/limited")
            assert answer.status_code == 429
            assert answer.headers["retry-after"]
            refused_by.add(answer.headers["x-worker"])
            if len(refused_by) == 2:
                break
    assert len(refused_by) == 2
