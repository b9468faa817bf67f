"""The OpenAPI 3.1 document of an application, built from its routes.

Everything comes from what the application already declares: rules and their converters,
handler signatures (path, query and body), return annotations, docstrings (summary and
description), blueprints (tags), and the refusals that guards and rate limits declare
(see :mod:`gobstopper.openapi.markers`).

>>> document = build_openapi(app, title="Shop", version="1.2.0")
>>> document["paths"]["/items/{item_id}"]["get"]["operationId"]
'show_item'
"""

from __future__ import annotations

import copy
import inspect
import itertools
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..http.errors import HTTPException
from ..routing.router import Rule
from .errors import FRAMEWORK_ERRORS, error_responses, refusal_response
from .inputs import describe_inputs
from .markers import Refusal, is_excluded, refusals
from .results import describe_results
from .schemas import Schemas, type_hints

if TYPE_CHECKING:
    from ..app import Gobstopper
    from ..endpoint import Endpoint

__all__ = ["OPENAPI_VERSION", "build_openapi"]

OPENAPI_VERSION = "3.1.0"

# The HTTP methods a Path Item Object has fields for, in the order documents list them.
_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")
_PLACEHOLDER = re.compile(r"<(?:[a-zA-Z_][a-zA-Z0-9_]*:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


def _served_routes(app: Gobstopper) -> list[tuple[Rule, list[str], Endpoint]]:
    """Each route once, with the methods it documents: the HEAD that GET implies and the
    automatic OPTIONS are left out, as are static files and excluded handlers."""
    merged: dict[tuple[str, str], tuple[Rule, set[str], Endpoint]] = {}
    for rule, added, endpoint in app.iter_routes():
        entry = merged.setdefault((rule.pattern, endpoint.name), (rule, set(), endpoint))
        entry[1].update(added)
    routes = []
    for rule, methods, endpoint in merged.values():
        if _is_static(rule, endpoint) or is_excluded(endpoint.view_func):
            continue
        if "GET" in methods:
            methods.discard("HEAD")
        routes.append((rule, [method for method in _METHODS if method in methods], endpoint))
    return routes


def _is_static(rule: Rule, endpoint: Endpoint) -> bool:
    """The route of an application's or blueprint's ``static_folder``."""
    named = endpoint.name == "static" or endpoint.name.endswith(".static")
    return named and rule.pattern.endswith("/<path:filename>")


def _path_template(rule: Rule) -> str:
    """``/users/<int:user_id>`` → ``/users/{user_id}``."""
    return _PLACEHOLDER.sub(r"{\1}", rule.pattern)


def _summary_and_description(func: Callable[..., Any]) -> dict[str, str]:
    doc = inspect.getdoc(func)
    if not doc:
        return {}
    first, _, rest = doc.partition("\n\n")
    described = {"summary": " ".join(first.split())}
    if rest.strip():
        described["description"] = rest.strip()
    return described


def _answered_by_handler(endpoint: Endpoint, status: int) -> bool:
    """Whether an error handler of the application or blueprint answers ``status``, so
    the framework's error body is not what the client gets."""
    handlers = endpoint.error_handlers
    return status in handlers or any(cls in handlers for cls in HTTPException.__mro__)


def _response_order(item: tuple[str, Any]) -> tuple[bool, str]:
    """Statuses in ascending order, ``default`` last."""
    return (item[0] == "default", item[0])


class _Builder:
    """Collects operations, then the components they share."""

    def __init__(self) -> None:
        self.schemas = Schemas()
        self.paths: dict[str, dict[str, Any]] = {}
        self.tags: list[str] = []
        self.security_schemes: dict[str, Any] = {}
        self.framework_errors: set[int] = set()
        self.operation_ids: set[str] = set()

    def add(self, rule: Rule, methods: list[str], endpoint: Endpoint) -> None:
        path = self.paths.setdefault(_path_template(rule), {})
        for method in methods:
            key = method.lower()
            if key not in path:  # two rules with one template: the router's first wins
                operation_id = endpoint.name if len(methods) == 1 else f"{endpoint.name}_{key}"
                path[key] = self._operation(rule, endpoint, self._unique(operation_id))

    def _unique(self, operation_id: str) -> str:
        """``operation_id``, numbered from 2 when one handler serves several rules."""
        unique, number = operation_id, 1
        while unique in self.operation_ids:
            number += 1
            unique = f"{operation_id}_{number}"
        self.operation_ids.add(unique)
        return unique

    def _operation(self, rule: Rule, endpoint: Endpoint, operation_id: str) -> dict[str, Any]:
        func = endpoint.view_func
        operation: dict[str, Any] = {}
        tag = endpoint.name.rpartition(".")[0]
        if tag:
            operation["tags"] = [tag]
            if tag not in self.tags:
                self.tags.append(tag)
        operation.update(_summary_and_description(func))
        operation["operationId"] = operation_id
        hints = type_hints(func)
        inputs = describe_inputs(func, hints, rule, self.schemas)
        if inputs.parameters:
            operation["parameters"] = inputs.parameters
        if inputs.request_body is not None:
            operation["requestBody"] = inputs.request_body
        responses = describe_results(func, hints, self.schemas)
        errors = []
        if inputs.has_path:
            errors.append(404)
        if inputs.request_body is not None:
            errors += [400, 413, 415, 422]
        elif inputs.has_query:
            errors.append(422)
        for status in sorted(errors):
            responses[str(status)] = self._framework_error(endpoint, status)
        declared = refusals(func)
        for refusal in declared:
            if _answered_by_handler(endpoint, refusal.status):
                responses.setdefault(str(refusal.status), {"description": refusal.description})
            else:
                responses.setdefault(str(refusal.status), refusal_response(self.schemas, refusal))
        operation["responses"] = dict(sorted(responses.items(), key=_response_order))
        security = self._security(declared)
        if security:
            operation["security"] = security
        return operation

    def _framework_error(self, endpoint: Endpoint, status: int) -> dict[str, Any]:
        name, description = FRAMEWORK_ERRORS[status]
        if _answered_by_handler(endpoint, status):
            return {"description": description}
        self.framework_errors.add(status)
        return {"$ref": f"#/components/responses/{name}"}

    def _security(self, declared: tuple[Refusal, ...]) -> list[dict[str, list[str]]]:
        """Security requirements: each declaring guard admits any one of its schemes, and
        a request must pass every guard."""
        alternatives = []
        for refusal in declared:
            if refusal.security:
                for name, scheme in refusal.security.items():
                    self._register_scheme(name, scheme)
                alternatives.append(list(refusal.security))
        if not alternatives:
            return []
        return [
            {name: [] for name in combination} for combination in itertools.product(*alternatives)
        ]

    def _register_scheme(self, name: str, scheme: Mapping[str, Any]) -> None:
        known = self.security_schemes.get(name)
        if known is None:
            self.security_schemes[name] = copy.deepcopy(dict(scheme))
        elif known != dict(scheme):
            raise ValueError(
                f"security scheme {name!r} is declared twice, differently: {known} and "
                f"{dict(scheme)}; give one of them another name"
            )

    def document(self, title: str, version: str) -> dict[str, Any]:
        responses = error_responses(self.schemas, sorted(self.framework_errors))
        self.schemas.resolve()
        components: dict[str, Any] = {}
        if self.schemas.components:
            components["schemas"] = dict(sorted(self.schemas.components.items()))
        if responses:
            components["responses"] = responses
        if self.security_schemes:
            components["securitySchemes"] = self.security_schemes
        document: dict[str, Any] = {
            "openapi": OPENAPI_VERSION,
            "info": {"title": title, "version": version},
        }
        if self.tags:
            document["tags"] = [{"name": tag} for tag in self.tags]
        document["paths"] = {
            path: {
                method.lower(): item[method.lower()]
                for method in _METHODS
                if method.lower() in item
            }
            for path, item in self.paths.items()
        }
        if components:
            document["components"] = components
        return document


def build_openapi(
    app: Gobstopper, *, title: str | None = None, version: str | None = None
) -> dict[str, Any]:
    """Build the OpenAPI 3.1 document of ``app``'s routes.

    ``title`` defaults to the application's import name, ``version`` (of the API, not of
    OpenAPI) to ``0.1.0``. The result is plain data, ready for ``msgspec.json.encode``.
    Each call builds it anew; :func:`gobstopper.openapi.enable_docs` builds it once.
    """
    builder = _Builder()
    for rule, methods, endpoint in _served_routes(app):
        builder.add(rule, methods, endpoint)
    return builder.document(title or app.import_name, version or "0.1.0")
