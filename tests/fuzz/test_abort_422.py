"""A handler's own ``abort(422, message)`` answers the body the OpenAPI document promises
for every 422 (``ValidationError``: a ``detail`` with ``field`` and ``message``), as the
framework's own 422s do. Schemathesis found the gap on ``example_app.py``'s to-do API."""

from __future__ import annotations

from typing import Any

import jsonschema
import msgspec
import pytest

from gobstopper import Gobstopper, abort
from gobstopper.http.errors import HTTPException
from gobstopper.testing import TestClient

JSON_CLIENT = {"Accept": "application/json"}


class NewTodo(msgspec.Struct):
    title: str


def _app() -> Gobstopper:
    app = Gobstopper("todos", static_folder=None)

    @app.post("/todos")
    async def create_todo(new: NewTodo) -> tuple[NewTodo, int]:
        if not new.title.strip():
            abort(422, "title must not be blank")
        return new, 201

    return app


def _fits_documented_422(app: Gobstopper, body: Any) -> bool:
    document = app.openapi()
    response = document["components"]["responses"]["UnprocessableContent"]
    schema = {
        **response["content"]["application/json"]["schema"],
        "components": document["components"],
    }
    return jsonschema.Draft202012Validator(schema).is_valid(body)


def test_abort_422_answers_the_documented_validation_error() -> None:
    app = _app()
    with TestClient(app) as client:
        blank = client.post("/todos", json={"title": " "}, headers=JSON_CLIENT)
        wrong_type = client.post("/todos", json={"title": 3}, headers=JSON_CLIENT)
    assert blank.status_code == wrong_type.status_code == 422
    assert blank.json() == {
        "error": "Unprocessable Entity",
        "status": 422,
        "message": "title must not be blank",
        "detail": {"field": None, "message": "title must not be blank"},
    }
    assert _fits_documented_422(app, blank.json())
    assert _fits_documented_422(app, wrong_type.json())


def test_a_422_keeps_the_detail_it_is_given() -> None:
    given = {"field": "cursor", "message": "not one of ours"}
    assert HTTPException(422, "bad cursor", detail=given).detail == given


@pytest.mark.parametrize("status", [400, 404, 409])
def test_other_errors_carry_no_detail_unless_given(status: int) -> None:
    assert HTTPException(status, "no").detail is None
