"""docs/routing.rst: blueprints, hooks and error handlers, middleware, and the handler
parameters table's samples."""

from __future__ import annotations

import re
from pathlib import Path

from gobstopper import Gobstopper
from gobstopper.testing import TestClient

from .ledger import docs_page

LEDGER = docs_page("routing")
BLUEPRINTS = LEDGER.run("from gobstopper import Blueprint")
HOOKS = LEDGER.run("@app.before_request")
MIDDLEWARE = LEDGER.run("import time")


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


def test_nested_blueprints(workdir: Path) -> None:
    app = Gobstopper("docs_sample")
    BLUEPRINTS.exec(app=app)
    with TestClient(app) as client:
        response = client.get("/api/v1/status")
    assert response.json() == {"ok": True}
    assert app.url_for("api.v1.status") == "/api/v1/status"


def test_hooks_and_error_handler(workdir: Path) -> None:
    app = Gobstopper("docs_sample")
    HOOKS.exec(app=app)

    @app.get("/report")
    async def report():
        return {"rows": 3}

    key = {"X-Key": "secret"}
    with TestClient(app) as client:
        refused = client.get("/report")
        served = client.get("/report", headers=key)
        missing = client.get("/nothing", headers=key)
    assert (refused.status_code, refused.json()) == (401, {"error": "unauthorised"})
    assert served.json() == {"rows": 3}
    assert served.headers["x-served-by"] == "gobstopper"
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": "nothing here", "path": "/nothing"},
    )


def test_timing_middleware(workdir: Path) -> None:
    app = Gobstopper("docs_sample")
    MIDDLEWARE.exec(app=app)

    @app.get("/")
    async def index():
        return "ok"

    with TestClient(app) as client:
        response = client.get("/")
    assert re.fullmatch(r"app;dur=\d+\.\d", response.headers["server-timing"])
