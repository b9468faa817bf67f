"""Handler signatures: msgspec Struct bodies, query parameters, typed path parameters."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

import msgspec
import pytest

from gobstopper import Gobstopper, Request, abort, guard
from gobstopper.testing import TestClient


class Address(msgspec.Struct):
    city: str
    zip: str


class User(msgspec.Struct):
    name: str
    age: int
    address: Address
    tags: list[str] = []


@dataclasses.dataclass
class Note:
    text: str


@pytest.fixture
def client() -> TestClient:
    app = Gobstopper(__name__)

    @app.post("/users")
    async def create_user(user: User, request: Request, notify: bool = False):
        return {"user": user, "notify": notify, "path": request.path}, 201

    @app.post("/notes")
    def create_note(note: Note):
        return note

    @app.get("/search")
    async def search(
        q: str, page: int = 1, sort: Literal["asc", "desc"] = "asc", tag: list[str] | None = None
    ):
        return {"q": q, "page": page, "sort": sort, "tag": tag}

    @app.get("/accounts/<account_id>")
    async def account(account_id: int):
        return {"id": account_id, "type": type(account_id).__name__}

    with TestClient(app) as client:
        yield client


USER = {"name": "Ann", "age": 41, "address": {"city": "Oslo", "zip": "0150"}}


def test_struct_body_is_decoded_and_injected(client: TestClient) -> None:
    response = client.post("/users?notify=true", json=USER)
    assert response.status_code == 201
    assert response.json() == {"user": {**USER, "tags": []}, "notify": True, "path": "/users"}


def test_wrong_field_type_gets_422_naming_the_nested_field(client: TestClient) -> None:
    bad = {**USER, "address": {"city": "Oslo", "zip": 150}}
    response = client.post("/users", json=bad)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == {"field": "address.zip", "message": "Expected `str`, got `int`"}
    assert "address.zip" in body["message"]


def test_missing_field_gets_422_naming_it(client: TestClient) -> None:
    response = client.post("/users", json={"name": "Ann", "address": USER["address"]})
    assert response.status_code == 422
    assert "age" in response.json()["message"]


def test_malformed_body_gets_400(client: TestClient) -> None:
    response = client.post("/users", content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 400


def test_non_json_body_gets_415(client: TestClient) -> None:
    response = client.post("/users", data={"name": "Ann"})
    assert response.status_code == 415
    assert "application/json" in response.text


def test_vendor_json_content_type_is_accepted(client: TestClient) -> None:
    response = client.post(
        "/users",
        content=msgspec.json.encode(USER),
        headers={"content-type": "application/vnd.api+json; charset=utf-8"},
    )
    assert response.status_code == 201


def test_dataclass_bodies_work_in_sync_handlers(client: TestClient) -> None:
    response = client.post("/notes", json={"text": "hi"})
    assert response.status_code == 200
    assert response.json() == {"text": "hi"}


def test_query_parameters_are_converted(client: TestClient) -> None:
    response = client.get("/search?q=candy&page=3&sort=desc&tag=a&tag=b")
    assert response.json() == {"q": "candy", "page": 3, "sort": "desc", "tag": ["a", "b"]}


def test_query_defaults_apply(client: TestClient) -> None:
    assert client.get("/search?q=x").json() == {"q": "x", "page": 1, "sort": "asc", "tag": None}


def test_missing_required_query_parameter_gets_422(client: TestClient) -> None:
    response = client.get("/search", headers={"accept": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"] == {"field": "q", "message": "missing"}


@pytest.mark.parametrize("query", ["q=x&page=two", "q=x&sort=sideways"])
def test_bad_query_values_get_422_naming_the_parameter(client: TestClient, query: str) -> None:
    response = client.get(f"/search?{query}", headers={"accept": "application/json"})
    assert response.status_code == 422
    field = response.json()["detail"]["field"]
    assert field in query


def test_annotated_path_parameters_are_converted(client: TestClient) -> None:
    assert client.get("/accounts/12").json() == {"id": 12, "type": "int"}


def test_path_parameter_of_the_wrong_type_gets_404(client: TestClient) -> None:
    assert client.get("/accounts/twelve").status_code == 404


def test_two_body_parameters_are_refused_at_registration() -> None:
    app = Gobstopper(__name__)

    with pytest.raises(TypeError, match="both declares two body parameters"):

        @app.post("/x")
        async def both(user: User, note: Note):
            return "?"


def test_a_guard_refuses_before_the_body_is_read() -> None:
    class Note(msgspec.Struct):
        text: str

    checked: list[str] = []

    async def members_only(request) -> None:
        checked.append(request.path)
        if request.headers.get("x-member") != "yes":
            abort(401, "members only")

    app = Gobstopper(__name__, static_folder=None)

    @app.post("/notes")
    @guard(members_only)
    async def add_note(note: Note) -> Note:
        return note

    with TestClient(app) as client:
        refused = client.post("/notes", content=b"not json")
        wrong_shape = client.post("/notes", json={"nope": 1}, headers={"x-member": "yes"})
        accepted = client.post("/notes", json={"text": "hi"}, headers={"x-member": "yes"})
    assert refused.status_code == 401
    assert "members only" in refused.text
    assert wrong_shape.status_code == 422
    assert accepted.json() == {"text": "hi"}
    assert checked == ["/notes"] * 3


def test_annotated_query_constraints_are_enforced() -> None:
    app = Gobstopper(__name__)

    @app.get("/sleep")
    async def sleep(ms: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 1):
        return {"ms": ms}

    client = TestClient(app)
    assert client.get("/sleep?ms=5").json() == {"ms": 5}
    refused = client.get("/sleep?ms=-5", headers={"Accept": "application/json"})
    assert refused.status_code == 422
    assert refused.json()["detail"]["field"] == "ms"


def test_an_annotation_naming_nothing_is_refused_at_startup() -> None:
    app = Gobstopper(__name__)

    @app.get("/ghost")
    async def ghost(item: NoSuchThing):  # noqa: F821
        return "?"

    with pytest.raises(TypeError, match="ghost: its annotations cannot be resolved"):
        TestClient(app).get("/ghost")
