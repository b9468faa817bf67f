"""The OpenAPI 3.1 document built from an application's routes, and the docs routes.

Every document is checked against the OpenAPI 3.1 schema with openapi-spec-validator;
the framework's own error answers are checked against the schemas the document gives them.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator
from typing import Any, Literal

import jsonschema
import msgspec
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from gobstopper import Blueprint, Gobstopper, Request, Response, abort, guard
from gobstopper.openapi import (
    build_openapi,
    declare_refusal,
    enable_docs,
    exclude_from_schema,
    unauthorized,
)
from gobstopper.openapi import docs as docs_module
from gobstopper.testing import TestClient
from gobstopper.utils.rate_limiter import TokenBucketLimiter, rate_limit

BEARER = {"bearerAuth": {"type": "http", "scheme": "bearer"}}
API_KEY = {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}


class Address(msgspec.Struct):
    street: str
    city: str


class Customer(msgspec.Struct):
    """Someone who buys things."""

    name: str
    address: Address


class Order(msgspec.Struct):
    id: int
    customer: Customer
    items: list[int] = []


@dataclasses.dataclass
class Note:
    text: str
    pinned: bool = False


def _require_token(request: Request) -> None:
    if request.headers.get("authorization") != "Bearer secret":
        abort(401, "a bearer token is required")


def _declares(security: dict[str, Any]) -> Any:
    """A decorator of the application's own that declares the refusal it adds."""

    def decorator(view: Any) -> Any:
        declare_refusal(view, unauthorized(security))
        return view

    return decorator


def _shop() -> Gobstopper:
    app = Gobstopper("shop", static_folder=None)

    @app.get("/orders/<int:order_id>")
    async def show_order(order_id: int) -> Order:
        """Show one order.

        The order's customer and items, as stored.
        """
        return Order(order_id, Customer("Ann", Address("Main St 1", "Oslo")))

    @app.post("/orders")
    async def create_order(customer: Customer) -> tuple[Order, int]:
        """Place an order."""
        return Order(1, customer), 201

    @app.put("/customers/<uuid:customer_id>")
    async def replace_customer(customer_id: uuid.UUID, customer: Customer) -> Customer:
        return customer

    @app.get("/orders")
    async def list_orders(
        ids: list[int] = [1, 2],  # noqa: B006 (read only: the default the document shows)
        limit: int = 10,
        q: str | None = None,
    ) -> list[Order]:
        return []

    @app.post("/notes")
    def add_note(request: Request, note: Note) -> tuple[Note, Literal[202]]:
        return note, 202

    @app.get("/files/<path:name>")
    async def download(name: str) -> Response:
        return Response(name.encode(), content_type="application/octet-stream")

    @app.get("/")
    async def home() -> str:
        return "<h1>Shop</h1>"

    @app.get("/stats")
    async def stats() -> dict[str, int]:
        return {"orders": 3}

    @app.get("/export")
    async def export() -> bytes:
        return b"id\n1\n"

    @app.delete("/orders/<int:order_id>")
    async def cancel_order(order_id: int) -> None:
        return None

    @app.get("/customers/<uuid:customer_id>/note")
    async def customer_note(customer_id: uuid.UUID) -> Note | None:
        return None

    @app.get("/admin/report")
    @_declares(API_KEY)
    async def admin_report() -> dict[str, int]:
        return {}

    @app.get("/internal/health")
    @exclude_from_schema
    async def health() -> dict[str, bool]:
        return {"ok": True}

    catalogue = Blueprint("catalogue", __name__, url_prefix="/catalogue")

    @catalogue.get("/items/<int:item_id>")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    app.register_blueprint(catalogue)
    return app


@pytest.fixture
def document() -> dict[str, Any]:
    return build_openapi(_shop(), title="Shop", version="2.1.0")


def _errors(document: dict[str, Any]) -> list[str]:
    return [error.message for error in OpenAPIV31SpecValidator(document).iter_errors()]


def _matches(document: dict[str, Any], component: str, value: Any) -> bool:
    """Whether ``value`` fits the schema ``component`` of ``document``."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return jsonschema.Draft202012Validator(schema).is_valid(value)


def test_the_document_validates_as_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {"title": "Shop", "version": "2.1.0"}
    assert _errors(document) == []


def test_paths_use_openapi_templates_and_skip_excluded_routes(document: dict[str, Any]) -> None:
    assert list(document["paths"]) == [
        "/orders/{order_id}",
        "/orders",
        "/customers/{customer_id}",
        "/notes",
        "/files/{name}",
        "/",
        "/stats",
        "/export",
        "/customers/{customer_id}/note",
        "/admin/report",
        "/catalogue/items/{item_id}",
    ]


def test_head_implied_by_get_is_not_an_operation(document: dict[str, Any]) -> None:
    assert list(document["paths"]["/orders/{order_id}"]) == ["get", "delete"]
    assert list(document["paths"]["/orders"]) == ["get", "post"]


def test_path_parameters_are_typed_by_their_converters(document: dict[str, Any]) -> None:
    by_path = {
        path: operation["get"]["parameters"][0]
        for path, operation in document["paths"].items()
        if path in ("/orders/{order_id}", "/customers/{customer_id}/note", "/files/{name}")
    }
    assert by_path["/orders/{order_id}"] == {
        "name": "order_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
    assert by_path["/customers/{customer_id}/note"]["schema"] == {
        "type": "string",
        "format": "uuid",
    }
    assert by_path["/files/{name}"]["schema"] == {"type": "string"}
    assert "/" in by_path["/files/{name}"]["description"]


def test_a_path_parameter_annotated_otherwise_takes_the_annotation() -> None:
    app = Gobstopper("typed", static_folder=None)

    @app.get("/accounts/<account_id>")
    async def account(account_id: int) -> dict[str, int]:
        return {"id": account_id}

    parameter = build_openapi(app)["paths"]["/accounts/{account_id}"]["get"]["parameters"][0]
    assert parameter["schema"] == {"type": "integer"}


def test_query_parameters_carry_types_defaults_and_explode(document: dict[str, Any]) -> None:
    parameters = document["paths"]["/orders"]["get"]["parameters"]
    assert parameters == [
        {
            "name": "ids",
            "in": "query",
            "style": "form",
            "explode": True,
            "schema": {"type": "array", "items": {"type": "integer"}, "default": [1, 2]},
        },
        {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 10}},
        {
            "name": "q",
            "in": "query",
            "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        },
    ]


def test_a_query_parameter_without_default_is_required() -> None:
    app = Gobstopper("search", static_folder=None)

    @app.get("/search")
    async def search(q: str, tag: list[str]) -> list[str]:
        return [q, *tag]

    parameters = build_openapi(app)["paths"]["/search"]["get"]["parameters"]
    assert [(p["name"], p.get("required", False)) for p in parameters] == [
        ("q", True),
        ("tag", True),
    ]


def test_nested_structs_shared_by_two_routes_are_one_component(document: dict[str, Any]) -> None:
    create = document["paths"]["/orders"]["post"]["requestBody"]
    replace = document["paths"]["/customers/{customer_id}"]["put"]["requestBody"]
    ref = {"$ref": "#/components/schemas/Customer"}
    assert create == {"required": True, "content": {"application/json": {"schema": ref}}}
    assert replace["content"]["application/json"]["schema"] == ref
    schemas = document["components"]["schemas"]
    assert schemas["Customer"] == {
        "title": "Customer",
        "description": "Someone who buys things.",
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "address": {"$ref": "#/components/schemas/Address"},
        },
        "required": ["name", "address"],
    }
    assert "Address" in schemas
    assert "address" not in str(schemas["Order"])


def test_a_dataclass_body_is_a_component(document: dict[str, Any]) -> None:
    body = document["paths"]["/notes"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/Note"}
    assert document["components"]["schemas"]["Note"]["properties"] == {
        "text": {"type": "string"},
        "pinned": {"type": "boolean", "default": False},
    }


def _success(document: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    responses = document["paths"][path][method]["responses"]
    return {status: answer for status, answer in responses.items() if not status.startswith("4")}


def test_responses_follow_return_annotations(document: dict[str, Any]) -> None:
    def json_of(schema: dict[str, Any]) -> dict[str, Any]:
        return {"application/json": {"schema": schema}}

    order = {"$ref": "#/components/schemas/Order"}
    assert _success(document, "/orders/{order_id}") == {
        "200": {"description": "OK", "content": json_of(order)}
    }
    assert _success(document, "/orders") == {
        "200": {"description": "OK", "content": json_of({"type": "array", "items": order})}
    }
    assert _success(document, "/stats") == {
        "200": {
            "description": "OK",
            "content": json_of({"type": "object", "additionalProperties": {"type": "integer"}}),
        }
    }
    assert _success(document, "/") == {
        "200": {"description": "OK", "content": {"text/html": {"schema": {"type": "string"}}}}
    }
    assert _success(document, "/export") == {
        "200": {"description": "OK", "content": {"application/octet-stream": {}}}
    }
    assert _success(document, "/files/{name}") == {
        "default": {"description": "The handler's response."}
    }
    assert _success(document, "/orders/{order_id}", "delete") == {
        "204": {"description": "No Content"}
    }
    assert _success(document, "/customers/{customer_id}/note") == {
        "200": {"description": "OK", "content": json_of({"$ref": "#/components/schemas/Note"})},
        "204": {"description": "No Content"},
    }


def test_body_and_status_tuples_take_the_status_from_literal_or_return(
    document: dict[str, Any],
) -> None:
    created = _success(document, "/orders", "post")
    assert created == {
        "201": {
            "description": "Created",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
        }
    }
    assert list(_success(document, "/notes", "post")) == ["202"]


def test_a_tuple_whose_status_is_not_written_down_is_left_open() -> None:
    app = Gobstopper("open", static_folder=None)

    @app.get("/maybe")
    async def maybe(request: Request) -> tuple[Note, int]:
        status = 200 if request.args.get("fresh") else 203
        return Note("hi"), status

    assert list(build_openapi(app)["paths"]["/maybe"]["get"]["responses"]) == ["default"]


def test_framework_errors_are_listed_by_what_the_route_takes(document: dict[str, Any]) -> None:
    def errors(path: str, method: str = "get") -> dict[str, Any]:
        responses = document["paths"][path][method]["responses"]
        return {status: answer for status, answer in responses.items() if status.startswith("4")}

    def ref(name: str) -> dict[str, str]:
        return {"$ref": f"#/components/responses/{name}"}

    assert errors("/orders", "post") == {
        "400": ref("BadRequest"),
        "413": ref("ContentTooLarge"),
        "415": ref("UnsupportedMediaType"),
        "422": ref("UnprocessableContent"),
    }
    assert errors("/orders") == {"422": ref("UnprocessableContent")}
    assert errors("/orders/{order_id}") == {"404": ref("NotFound")}
    assert errors("/customers/{customer_id}", "put") == {
        "400": ref("BadRequest"),
        "404": ref("NotFound"),
        "413": ref("ContentTooLarge"),
        "415": ref("UnsupportedMediaType"),
        "422": ref("UnprocessableContent"),
    }
    assert errors("/stats") == {}
    unprocessable = document["components"]["responses"]["UnprocessableContent"]["content"]
    assert unprocessable["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationError"
    }
    assert unprocessable["text/html"]["schema"] == {"type": "string"}


def test_documented_error_bodies_are_what_the_framework_sends(document: dict[str, Any]) -> None:
    json_client = {"accept": "application/json"}
    with TestClient(_shop()) as client:
        wrong_shape = client.post("/orders", json={"name": 3}, headers=json_client)
        bad_query = client.get("/orders?limit=many", headers=json_client)
        malformed = client.post(
            "/orders",
            content=b"{not json",
            headers={**json_client, "content-type": "application/json"},
        )
        not_json = client.post(
            "/orders", content=b"name=Ann", headers={**json_client, "content-type": "text/plain"}
        )
        missing = client.get("/customers/not-a-uuid/note", headers=json_client)
    assert [r.status_code for r in (wrong_shape, bad_query, malformed, not_json, missing)] == [
        422,
        422,
        400,
        415,
        404,
    ]
    assert _matches(document, "ValidationError", wrong_shape.json())
    assert _matches(document, "ValidationError", bad_query.json())
    for answer in (malformed, not_json, missing):
        assert _matches(document, "HTTPError", answer.json())
    assert not _matches(document, "ValidationError", missing.json())


def test_an_error_handler_of_the_application_hides_the_framework_body() -> None:
    app = Gobstopper("handled", static_folder=None)

    @app.errorhandler(404)
    async def not_found(error: Exception) -> tuple[str, int]:
        return "gone", 404

    @app.get("/items/<int:item_id>")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    document = build_openapi(app)
    responses = document["paths"]["/items/{item_id}"]["get"]["responses"]
    assert responses["404"] == {
        "description": "Not Found: nothing is served at this path (a path parameter does not "
        "fit its type)."
    }
    assert "responses" not in document.get("components", {})
    assert _errors(document) == []


def test_blueprints_become_tags_and_endpoint_names_operation_ids(
    document: dict[str, Any],
) -> None:
    operation = document["paths"]["/catalogue/items/{item_id}"]["get"]
    assert operation["tags"] == ["catalogue"]
    assert operation["operationId"] == "catalogue.item"
    assert document["tags"] == [{"name": "catalogue"}]
    assert "tags" not in document["paths"]["/stats"]["get"]
    assert document["paths"]["/stats"]["get"]["operationId"] == "stats"


def test_docstrings_give_summary_and_description(document: dict[str, Any]) -> None:
    show = document["paths"]["/orders/{order_id}"]["get"]
    assert show["summary"] == "Show one order."
    assert show["description"] == "The order's customer and items, as stored."
    assert document["paths"]["/orders"]["post"]["summary"] == "Place an order."
    assert "description" not in document["paths"]["/orders"]["post"]
    assert "summary" not in document["paths"]["/stats"]["get"]


def test_a_declared_refusal_adds_its_response_and_security(document: dict[str, Any]) -> None:
    operation = document["paths"]["/admin/report"]["get"]
    assert operation["security"] == [{"apiKey": []}]
    assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HTTPError"
    }
    assert document["components"]["securitySchemes"] == API_KEY
    assert "security" not in document["paths"]["/stats"]["get"]


def test_a_guard_declaring_a_scheme_documents_401_and_security() -> None:
    app = Gobstopper("guarded", static_folder=None)
    token_required = guard(_require_token, security=BEARER)

    @app.post("/orders")
    @token_required
    async def create_order(customer: Customer) -> Order:
        return Order(1, customer)

    @app.get("/orders/<int:order_id>")
    @guard(_require_token)
    async def show_order(order_id: int) -> Order:
        return Order(order_id, Customer("Ann", Address("Main St 1", "Oslo")))

    document = build_openapi(app)
    create = document["paths"]["/orders"]["post"]
    assert create["security"] == [{"bearerAuth": []}]
    assert create["responses"]["401"]["description"].startswith("Unauthorized")
    assert document["components"]["securitySchemes"] == BEARER
    show = document["paths"]["/orders/{order_id}"]["get"]
    assert "security" not in show
    assert "401" not in show["responses"]
    assert _errors(document) == []
    with TestClient(app) as client:
        refused = client.post("/orders", json={}, headers={"accept": "application/json"})
    assert refused.status_code == 401
    assert _matches(document, "HTTPError", refused.json())


def test_two_declaring_guards_require_both_schemes() -> None:
    app = Gobstopper("doubly", static_folder=None)

    @app.get("/vault")
    @_declares(BEARER)
    @_declares(API_KEY)
    async def vault() -> dict[str, int]:
        return {}

    operation = build_openapi(app)["paths"]["/vault"]["get"]
    assert operation["security"] == [{"bearerAuth": [], "apiKey": []}]


def test_a_guard_admitting_either_scheme_lists_both() -> None:
    app = Gobstopper("either", static_folder=None)

    @app.get("/reports")
    @_declares({**BEARER, **API_KEY})
    async def reports() -> dict[str, int]:
        return {}

    operation = build_openapi(app)["paths"]["/reports"]["get"]
    assert operation["security"] == [{"bearerAuth": []}, {"apiKey": []}]


def test_one_scheme_name_declared_two_ways_is_an_error() -> None:
    app = Gobstopper("clash", static_folder=None)

    @app.get("/a")
    @_declares({"auth": {"type": "http", "scheme": "bearer"}})
    async def a() -> dict[str, int]:
        return {}

    @app.get("/b")
    @_declares({"auth": {"type": "http", "scheme": "basic"}})
    async def b() -> dict[str, int]:
        return {}

    with pytest.raises(ValueError, match="security scheme 'auth' is declared twice"):
        build_openapi(app)


def test_a_rate_limited_route_documents_429_and_its_headers() -> None:
    app = Gobstopper("limited", static_folder=None)

    @app.post("/login")
    @rate_limit(TokenBucketLimiter(rate=1, capacity=1))
    async def login(request: Request) -> dict[str, bool]:
        return {"ok": True}

    document = build_openapi(app)
    answer = document["paths"]["/login"]["post"]["responses"]["429"]
    assert answer["description"].startswith("Too Many Requests")
    assert set(answer["headers"]) == {
        "Retry-After",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
    }
    assert answer["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert _errors(document) == []
    with TestClient(app) as client:
        client.post("/login")
        refused = client.post("/login", headers={"accept": "application/json"})
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert _matches(document, "HTTPError", refused.json())


class Widget:
    """A class msgspec cannot describe."""


def test_types_msgspec_cannot_describe_are_any_value() -> None:
    app = Gobstopper("widgets", static_folder=None)

    @app.get("/widgets")
    async def widgets(kind: Widget | None = None) -> Widget:
        return Widget()

    document = build_openapi(app)
    operation = document["paths"]["/widgets"]["get"]
    assert operation["parameters"][0]["schema"] == {"default": None}
    assert operation["responses"]["200"]["content"] == {"application/json": {"schema": {}}}
    assert _errors(document) == []


def test_static_files_are_not_operations(tmp_path: Any) -> None:
    (tmp_path / "static").mkdir()
    app = Gobstopper("site", root_path=tmp_path)

    @app.get("/")
    async def home() -> str:
        return "home"

    assert any(endpoint == "static" for _, _, endpoint in app.iter_rules())
    assert list(build_openapi(app)["paths"]) == ["/"]


def test_one_handler_for_two_methods_gets_two_operation_ids() -> None:
    app = Gobstopper("both", static_folder=None)

    @app.route("/items", methods=["GET", "POST"])
    async def items(request: Request) -> dict[str, int]:
        return {}

    path = build_openapi(app)["paths"]["/items"]
    assert [path[m]["operationId"] for m in ("get", "post")] == ["items_get", "items_post"]


def test_one_handler_on_two_rules_gets_distinct_operation_ids() -> None:
    app = Gobstopper("aliases", static_folder=None)

    @app.get("/")
    @app.get("/index")
    async def index() -> str:
        return "home"

    document = build_openapi(app)
    assert [item["get"]["operationId"] for item in document["paths"].values()] == [
        "index",
        "index_2",
    ]
    assert _errors(document) == []


def test_title_defaults_to_the_import_name() -> None:
    assert build_openapi(Gobstopper("inventory", static_folder=None))["info"] == {
        "title": "inventory",
        "version": "0.1.0",
    }


# -- the docs routes ----------------------------------------------------------------------


@pytest.fixture
def docs_client() -> Iterator[TestClient]:
    app = _shop()
    enable_docs(app, title="Shop API")
    with TestClient(app) as client:
        yield client


def test_openapi_json_is_the_built_document(docs_client: TestClient) -> None:
    answer = docs_client.get("/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    served = answer.json()
    assert served == build_openapi(_shop(), title="Shop API")
    assert "/docs" not in served["paths"]
    assert "/openapi.json" not in served["paths"]
    assert _errors(served) == []


def test_the_document_is_built_once_at_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    built = []

    def counting(app: Gobstopper, **options: Any) -> dict[str, Any]:
        built.append(app)
        return build_openapi(app, **options)

    monkeypatch.setattr(docs_module, "build_openapi", counting)
    app = _shop()
    enable_docs(app)
    with TestClient(app) as client:
        assert len(built) == 1
        bodies = {client.get("/openapi.json").content for _ in range(3)}
        client.get("/stats")
    assert len(built) == 1
    assert len(bodies) == 1


def test_the_docs_page_loads_only_bundled_assets(docs_client: TestClient) -> None:
    page = docs_client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<title>Shop API</title>" in page.text
    assert 'data-openapi-url="/openapi.json"' in page.text
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls == [
        "data:,",
        "/docs/assets/swagger-ui/swagger-ui.css",
        "/docs/assets/swagger-ui/swagger-ui-bundle.js",
        "/docs/assets/docs.js",
    ]
    for url in urls[1:]:
        asset = docs_client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 300
    bundle = docs_client.get("/docs/assets/swagger-ui/swagger-ui-bundle.js")
    assert "javascript" in bundle.headers["content-type"]
    assert "SwaggerUIBundle" in bundle.text
    assert "validatorUrl: null" in docs_client.get("/docs/assets/docs.js").text


def test_the_docs_page_sends_a_policy_allowing_only_its_own_origin(
    docs_client: TestClient,
) -> None:
    policy = docs_client.get("/docs").headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["object-src"] == "'none'"


def test_the_bundled_assets_ship_their_licences(docs_client: TestClient) -> None:
    licence = docs_client.get("/docs/assets/swagger-ui/LICENSE")
    assert licence.status_code == 200
    assert "Apache License" in licence.text
    assert "SmartBear" in docs_client.get("/docs/assets/swagger-ui/NOTICE").text
    assert docs_client.get("/docs/assets/../docs.py").status_code == 404


def test_docs_paths_can_be_moved() -> None:
    app = _shop()
    enable_docs(app, path="/api/docs/", openapi_path="/api/schema.json")
    with TestClient(app) as client:
        page = client.get("/api/docs")
        assert 'data-openapi-url="/api/schema.json"' in page.text
        assert "/api/docs/assets/docs.js" in page.text
        assert client.get("/api/docs/assets/docs.js").status_code == 200
        assert client.get("/api/schema.json").json()["info"]["title"] == "shop"
        assert client.get("/openapi.json").status_code == 404
