"""What an operation answers when it succeeds, read from the handler's return annotation
the way :mod:`gobstopper.http.results` turns return values into responses.

``str`` is HTML, ``bytes`` an octet stream, ``None`` a 204, a ``Response`` a body the
annotation does not describe, and anything else (Structs, dataclasses, ``list[Item]``,
``dict``) JSON. For ``(body, status)`` tuples the status comes from a ``Literal``
annotation (``tuple[Item, Literal[201]]``), else from the literal statuses of the
handler's own ``return body, 201`` statements, else it is left open (``default``).
"""

from __future__ import annotations

import ast
import functools
import inspect
import operator
import textwrap
import types
import typing
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

from ..http.response import Response
from .schemas import Schemas

__all__ = ["describe_results"]


def _phrase(status: str) -> str:
    try:
        return HTTPStatus(int(status)).phrase
    except ValueError:
        return "The handler's response."


def _bare(annotation: Any) -> Any:
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    return annotation


def _body(annotation: Any, schemas: Schemas) -> dict[str, Any] | None:
    """The ``content`` of a response whose body is ``annotation``, or ``None`` when the
    annotation says nothing about it."""
    bare = _bare(annotation)
    if bare is Any or (inspect.isclass(bare) and issubclass(bare, Response)):
        return None
    if inspect.isclass(bare) and issubclass(bare, str):
        return {"text/html": {"schema": {"type": "string"}}}
    if inspect.isclass(bare) and issubclass(bare, bytes):
        return {"application/octet-stream": {}}
    return {"application/json": {"schema": schemas.of(annotation)}}


def _own_returns(func: Callable[..., Any]) -> Iterator[ast.Return]:
    """The ``return`` statements of ``func`` itself, not of functions nested in it."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return
    definition = tree.body[0] if tree.body else None
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return
    pending: list[ast.AST] = list(definition.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Return):
            yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(node))


def _returned_statuses(func: Callable[..., Any]) -> list[str]:
    """The statuses written as literals in ``return body, status[, headers]``."""
    statuses = set()
    for node in _own_returns(inspect.unwrap(func)):
        value = node.value
        if isinstance(value, ast.Tuple) and len(value.elts) in (2, 3):
            status = value.elts[1]
            if isinstance(status, ast.Constant) and isinstance(status.value, int):
                statuses.add(status.value)
    return [str(status) for status in sorted(statuses)]


def _tuple_statuses(func: Callable[..., Any], status: Any) -> list[str]:
    if typing.get_origin(status) is typing.Literal:
        return [str(value) for value in typing.get_args(status)]
    return _returned_statuses(func) or ["default"]


def describe_results(
    func: Callable[..., Any], hints: dict[str, Any], schemas: Schemas
) -> dict[str, Any]:
    """The success responses of ``func`` (whose resolved annotations are ``hints``), by
    status."""
    annotation = hints.get("return", Any)
    bare = _bare(annotation)
    bodies: dict[str, Any] = {}
    origin = typing.get_origin(bare)
    arguments = typing.get_args(bare)
    if bare is None or bare is type(None):
        bodies["204"] = None
    elif origin is tuple and len(arguments) in (2, 3) and arguments[1] is not Ellipsis:
        for status in _tuple_statuses(func, arguments[1]):
            bodies[status] = _body(arguments[0], schemas)
    elif origin in (typing.Union, types.UnionType) and type(None) in arguments:
        rest = [argument for argument in arguments if argument is not type(None)]
        bodies["200"] = _body(functools.reduce(operator.or_, rest), schemas)
        bodies["204"] = None
    elif bare is Any or (inspect.isclass(bare) and issubclass(bare, Response)):
        bodies["default"] = None
    else:
        bodies["200"] = _body(annotation, schemas)
    responses: dict[str, Any] = {}
    for status, content in bodies.items():
        response: dict[str, Any] = {"description": _phrase(status)}
        if content is not None:
            response["content"] = content
        responses[status] = response
    return responses
