"""docs/errors.rst: typed bodies and their refusals, the JSON error body, error handlers
for a class, a status and a crash, the page's own test, and a refusing middleware."""

from __future__ import annotations

import json
import logging

import pytest

from gobstopper.testing import TestClient

from .ledger import docs_page

LEDGER = docs_page("errors")
ORDERS = LEDGER.run("from typing import Annotated")
ERROR_BODY = LEDGER.run('{"error": "Conflict", "status": 409, "message": "only 5 of gob-1 left",')
HANDLERS = LEDGER.run("import logging")
PAGE_TEST = LEDGER.run("from gobstopper.testing import TestClient")
MAINTENANCE = LEDGER.run("from gobstopper import abort")

JSON = {"accept": "application/json"}


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


@pytest.fixture
def orders() -> TestClient:
    with TestClient(ORDERS.exec()["app"]) as client:
        yield client


def test_a_valid_order_is_placed(orders: TestClient) -> None:
    response = orders.post(
        "/orders", json={"customer": "ann", "lines": [{"sku": "gob-1", "quantity": 2}]}
    )
    assert (response.status_code, response.json()) == (201, {"lines": 1})


def test_abort_gives_the_documented_json_body(orders: TestClient) -> None:
    order = {"customer": "ann", "lines": [{"sku": "gob-1", "quantity": 9}]}
    response = orders.post("/orders", json=order)
    assert response.status_code == 409
    assert response.json() == json.loads(ERROR_BODY.text)
    page = orders.post("/orders", json=order, headers={"accept": "text/html"})
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "only 5 of gob-1 left" in page.text


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"data": {"customer": "ann"}}, 415, "got application/x-www-form-urlencoded"),
        (
            {"content": b'{"customer":', "headers": {"content-type": "application/json"}},
            400,
            "Malformed JSON",
        ),
        ({"json": {"customer": "ann"}}, 422, "`lines`"),
    ],
    ids=["form", "malformed", "missing-field"],
)
def test_the_table_of_refusals(orders: TestClient, kwargs: dict, status: int, message: str) -> None:
    headers = {**JSON, **kwargs.pop("headers", {})}
    response = orders.post("/orders", headers=headers, **kwargs)
    assert response.status_code == status
    assert message in response.json()["message"]


def test_a_422_detail_names_the_field_path(orders: TestClient) -> None:
    order = {"customer": "ann", "lines": [{"sku": "gob-1", "quantity": 0}]}
    response = orders.post("/orders", json=order)
    assert response.status_code == 422
    assert response.json()["detail"] == {
        "field": "lines[0].quantity",
        "message": "Expected `int` >= 1",
    }


def test_the_pages_own_test_passes(caplog: pytest.LogCaptureFixture) -> None:
    namespace = HANDLERS.exec()
    with caplog.at_level(logging.ERROR):
        PAGE_TEST.exec(namespace)
    logged = {record.name: record.getMessage() for record in caplog.records}
    assert logged["shop"] == "crash on /bug: KeyError('missing')"
    assert logged["gobstopper"] == "unhandled error on GET /bug"


def test_a_middlewares_refusal_goes_through_the_handlers() -> None:
    namespace = HANDLERS.exec()
    MAINTENANCE.exec(namespace)
    with TestClient(namespace["app"]) as client:
        refused = client.get("/pay", headers=JSON)
        health = client.get("/health")
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "300"
    assert refused.json()["message"] == "back in five minutes"
    assert (health.status_code, health.json()) == (404, {"error": "no such page"})
