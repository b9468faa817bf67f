"""docs/openapi.rst: the documented application serves its OpenAPI document and docs
page in debug, guards and custom decorators declare their refusals, and ``gobstopper
openapi`` writes the document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from gobstopper import Gobstopper, Request, abort
from gobstopper.testing import TestClient

from .ledger import docs_page
from .shell import run

LEDGER = docs_page("openapi")
SHOP = LEDGER.run("import msgspec")
GUARD = LEDGER.run("from gobstopper import guard")
DECORATOR = LEDGER.run("from gobstopper.callplan import add_call_wrapper")
WRITE = LEDGER.run("$ gobstopper openapi > openapi.json")


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


def test_debug_app_serves_its_document_and_docs_page(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOBSTOPPER_DEBUG", "1")
    with TestClient(SHOP.exec()["app"]) as client:
        document = client.get("/openapi.json").json()
        page = client.get("/docs")
        added = client.post("/items", json={"name": "pen", "price": 1.5})
    assert document["info"]["title"] == "Shop API"
    assert set(document["paths"]) == {"/items/{item_id}", "/items"}
    assert document["paths"]["/items"]["post"]["summary"] == "Add an item."
    assert "201" in document["paths"]["/items"]["post"]["responses"]
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert (added.status_code, added.json()) == (201, {"name": "pen", "price": 1.5})


def test_without_debug_the_docs_stay_off(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOBSTOPPER_DEBUG", raising=False)
    with TestClient(SHOP.exec()["app"]) as client:
        assert client.get("/openapi.json").status_code == 404


async def require_token(request: Request) -> None:
    """What the guard sample uses but does not define."""
    if request.headers.get("authorization") != "Bearer sesame":
        abort(401, "a bearer token is required")


class Order(msgspec.Struct):
    sku: str


def test_guard_refuses_and_declares_its_scheme(workdir: Path) -> None:
    app = Gobstopper("docs_sample")
    GUARD.exec(app=app, require_token=require_token, Order=Order)
    operation = app.openapi()["paths"]["/orders"]["post"]
    with TestClient(app) as client:
        refused = client.post("/orders", json={"sku": "a"})
        admitted = client.post(
            "/orders", json={"sku": "a"}, headers={"authorization": "Bearer sesame"}
        )
    assert refused.status_code == 401
    assert admitted.status_code == 204
    assert operation["security"] == [{"bearerAuth": []}]
    assert "401" in operation["responses"]


def check_api_key(call: Any) -> Any:
    """The call wrapper the decorator sample uses but does not define."""

    async def checked(request: Request, params: dict[str, Any]) -> Any:
        if request.headers.get("x-api-key") != "k":
            abort(401, "an API key is required")
        return await call(request, params)

    return checked


def test_custom_decorator_declares_its_refusal(workdir: Path) -> None:
    app = Gobstopper("docs_sample")
    namespace = DECORATOR.exec(app=app, check_api_key=check_api_key)

    @app.get("/reports")
    @namespace["api_key_required"]
    async def reports() -> list[str]:
        return ["q1"]

    operation = app.openapi()["paths"]["/reports"]["get"]
    with TestClient(app) as client:
        assert client.get("/reports").status_code == 401
        assert client.get("/reports", headers={"x-api-key": "k"}).json() == ["q1"]
    assert operation["security"] == [{"apiKey": []}]
    assert "401" in operation["responses"]


def test_gobstopper_openapi_writes_the_document(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SHOP.text)
    (command,) = WRITE.commands()
    result = run(command, tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "openapi.json").read_text())
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {"/items/{item_id}", "/items"}
