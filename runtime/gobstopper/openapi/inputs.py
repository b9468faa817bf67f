"""What an operation takes: path and query parameters and the JSON request body, read
from the handler's signature the way :mod:`gobstopper.callplan` reads it to serve it.

A parameter named in the rule is a path parameter (typed by its converter, or by the
handler's annotation when that differs); ``Request`` is the request; a msgspec Struct or
dataclass is the JSON body; anything else is a query parameter, required unless it has a
default.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from ..callplan import is_sequence
from ..http.request import Request
from ..routing.converters import Converter, FloatConverter, IntConverter, PathConverter
from ..routing.router import Rule
from .schemas import Schemas

__all__ = ["Inputs", "describe_inputs"]


@dataclass
class Inputs:
    """The parameters and request body of one operation."""

    parameters: list[dict[str, Any]]
    request_body: dict[str, Any] | None
    #: Whether the rule has path parameters, the handler query parameters.
    has_path: bool
    has_query: bool


def _bare(annotation: Any) -> Any:
    """``annotation`` without ``Annotated[...]`` metadata."""
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    return annotation


def _is_request(name: str, annotation: Any) -> bool:
    if annotation is inspect.Parameter.empty or annotation is Any:
        return name == "request"
    return inspect.isclass(annotation) and issubclass(annotation, Request)


def _is_body(annotation: Any) -> bool:
    return inspect.isclass(annotation) and (
        issubclass(annotation, msgspec.Struct) or dataclasses.is_dataclass(annotation)
    )


def _path_parameter(
    name: str, converter: Converter, annotation: Any, schemas: Schemas
) -> dict[str, Any]:
    if _bare(annotation) in (inspect.Parameter.empty, Any, converter.python_type):
        schema = schemas.of(converter.python_type)
        if isinstance(converter, (IntConverter, FloatConverter)):
            schema["minimum"] = 0
    else:
        schema = schemas.of(annotation)
    parameter: dict[str, Any] = {"name": name, "in": "path", "required": True}
    if isinstance(converter, PathConverter):
        parameter["description"] = "One or more path segments: it may contain `/`."
    parameter["schema"] = schema
    return parameter


def _query_parameter(
    name: str, parameter: inspect.Parameter, annotation: Any, schemas: Schemas
) -> dict[str, Any]:
    if annotation is inspect.Parameter.empty:
        schema: dict[str, Any] = {"type": "string"}
    else:
        schema = schemas.of(annotation)
    described: dict[str, Any] = {"name": name, "in": "query"}
    if parameter.default is inspect.Parameter.empty:
        described["required"] = True
    else:
        # A default with no JSON form is left undocumented.
        with contextlib.suppress(TypeError):
            schema["default"] = msgspec.to_builtins(parameter.default)
    if is_sequence(_bare(annotation)):
        described["style"] = "form"
        described["explode"] = True
    described["schema"] = schema
    return described


def describe_inputs(
    func: Callable[..., Any], hints: dict[str, Any], rule: Rule, schemas: Schemas
) -> Inputs:
    """The parameters and request body of ``func`` (whose resolved annotations are
    ``hints``) served on ``rule``."""
    signature = inspect.signature(func)
    annotations = {
        name: hints.get(name, parameter.annotation)
        for name, parameter in signature.parameters.items()
        if parameter.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    }
    parameters = [
        _path_parameter(
            name,
            rule.converters[name],
            annotations.get(name, inspect.Parameter.empty),
            schemas,
        )
        for name in rule.param_names
    ]
    body: dict[str, Any] | None = None
    has_query = False
    for name, annotation in annotations.items():
        bare = _bare(annotation)
        if name in rule.converters or _is_request(name, bare):
            continue
        if _is_body(bare):
            body = {
                "required": True,
                "content": {"application/json": {"schema": schemas.of(annotation)}},
            }
        else:
            has_query = True
            parameters.append(
                _query_parameter(name, signature.parameters[name], annotation, schemas)
            )
    return Inputs(parameters, body, bool(rule.param_names), has_query)
