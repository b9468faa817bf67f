"""``gobstopper generate model|endpoint|task|websocket``: add code where the project's
structure keeps it, wired in so it works at once, with a test for it."""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

from .changes import Changes
from .fields import Field, FieldError, parse_field, to_snake
from .project import Project, ProjectError
from .pysource import SourceError, defined_names

__all__ = ["add_parser"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_BODY_METHODS = ("POST", "PUT", "PATCH")
_MODEL_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
_CATEGORY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

EXAMPLES = """\
examples:
  gobstopper generate model User -f name:str -f email:str -f created_at:datetime -f age:int?
  gobstopper generate endpoint /api/users -m POST --model User --auth
  gobstopper generate endpoint /api/users/<int:user_id> -m GET --auth
  gobstopper generate task process_data --category data
  gobstopper generate websocket /ws/live --room-based
  gobstopper generate endpoint /api/orders --dry-run      # show the diff, write nothing
"""


class GenerateError(ValueError):
    """The request cannot be turned into code; the message says why."""


def _identifier(text: str) -> str:
    name = re.sub(r"\W+", "_", text).strip("_").lower()
    return name if name and not name[0].isdigit() else f"r_{name}"


def _check_path(path: str) -> list[tuple[str, str]]:
    """The ``(converter, name)`` parameters of a route path; bad paths raise."""
    from gobstopper.routing.router import Rule

    if not path.startswith("/"):
        raise GenerateError(f"path {path!r} must start with '/'")
    try:
        Rule(path)
    except ValueError as error:
        raise GenerateError(f"path {path!r} is not a valid route: {error}") from None
    return [(converter or "string", name) for converter, name in _PARAMETER.findall(path)]


def _feature_of(path: str) -> str:
    """``/api/users/<int:user_id>`` → ``users``: the last segment that is not a parameter."""
    static = [part for part in path.split("/") if part and not part.startswith("<")]
    return _identifier(static[-1]) if static else "main"


def _slug(path: str) -> str:
    """``/api/users/<int:user_id>`` → ``api_users_by_user_id``."""
    parts = []
    for part in filter(None, path.split("/")):
        match = _PARAMETER.fullmatch(part)
        parts.append(f"by_{match.group(2)}" if match else _identifier(part))
    return "_".join(parts) or "root"


def _sample(converter: str) -> str:
    return {"int": "1", "float": "1.5", "uuid": "12345678-1234-5678-1234-567812345678"}.get(
        converter, "sample"
    )


def _python_type(converter: str) -> str:
    return {"int": "int", "float": "float", "uuid": "UUID"}.get(converter, "str")


def _test_path(project: Project, kind: str, name: str) -> Path:
    return project.root / "tests" / f"test_{kind}_{name}.py"


def _test_header(doc: str) -> str:
    return f'"""{doc}"""\n\nfrom __future__ import annotations\n'


# -- model ---------------------------------------------------------------------------------


def _model(args: argparse.Namespace, project: Project, changes: Changes) -> None:
    if not _MODEL_NAME.match(args.name):
        raise GenerateError(f"model name {args.name!r} must be CamelCase, e.g. User or BlogPost")
    if not args.field:
        raise GenerateError("a model needs at least one field: -f NAME:TYPE")
    fields = [parse_field(spec) for spec in args.field]
    names = [field.name for field in fields]
    if len(set(names)) != len(names):
        raise GenerateError(f"fields repeat a name: {', '.join(names)}")
    feature = args.module or f"{to_snake(args.name)}s"
    place = project.models(feature, args.service)
    for path, text in project.feature_package(feature).items():
        changes.ensure(path, text)
    lines = [f"class {args.name}(msgspec.Struct, kw_only=True):", f'    """A {args.name}."""', ""]
    for field in fields:
        default = " = None" if field.optional else ""
        lines.append(f"    {field.name}: {field.annotation}{default}")
    imports = [("msgspec", "")] + [pair for field in fields for pair in field.imports]
    changes.put(place.path, place.header, imports, args.name, "\n".join(lines) + "\n")
    changes.create(
        _test_path(project, "model", to_snake(args.name)),
        _model_test(args.name, place.module, fields),
    )


def _payload(fields: list[Field]) -> str:
    return "{" + ", ".join(f'"{field.name}": {field.sample}' for field in fields) + "}"


def _model_test(name: str, module: str, fields: list[Field]) -> str:
    required = [field.name for field in fields if not field.optional]
    text = _test_header(f"The {name} model decodes valid JSON and refuses bad input.")
    text += f"""
import msgspec
import pytest

from {module} import {name}

VALID = {_payload(fields)}


def test_{to_snake(name)}_round_trips_through_json() -> None:
    decoded = msgspec.json.decode(msgspec.json.encode(VALID), type={name})
    assert msgspec.to_builtins(decoded) == VALID


def test_{to_snake(name)}_refuses_a_wrong_type() -> None:
    wrong = {{**VALID, "{fields[0].name}": {{"not": "valid"}}}}
    with pytest.raises(msgspec.ValidationError, match="{fields[0].name}"):
        msgspec.json.decode(msgspec.json.encode(wrong), type={name})
"""
    if required:
        text += f"""

def test_{to_snake(name)}_needs_its_required_fields() -> None:
    missing = {{key: value for key, value in VALID.items() if key != "{required[0]}"}}
    with pytest.raises(msgspec.ValidationError, match="{required[0]}"):
        msgspec.json.decode(msgspec.json.encode(missing), type={name})
"""
    return text


# -- endpoint ------------------------------------------------------------------------------


def _find_model(project: Project, name: str, service: str | None) -> tuple[str, ast.ClassDef]:
    """The module defining model ``name``, and its class as written there."""
    if project.structure == "modular":
        candidates = sorted(project.root.glob("modules/*/models.py"))
    else:
        candidates = [project.models("main", service).path]
    for path in candidates:
        if not path.is_file():
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and node.name == name:
                return ".".join(path.relative_to(project.root).with_suffix("").parts), node
    raise GenerateError(f"no model {name!r} in this project; create it with generate model first")


def _endpoint(args: argparse.Namespace, project: Project, changes: Changes) -> None:
    method = args.method.upper()
    parameters = _check_path(args.path)
    feature = args.module or _feature_of(args.path)
    place = project.routes(feature, args.service)
    function = f"{method.lower()}_{_slug(args.path)}"
    imports: list[tuple[str, str]] = list(place.owner_imports)
    signature = [f"{name}: {_python_type(converter)}" for converter, name in parameters]
    if any(converter == "uuid" for converter, _ in parameters):
        imports.append(("uuid", "UUID"))
    body_lines: list[str] = []
    guard = ""
    if args.auth:
        imports.append(("auth", "token_required"))
        guard = "@token_required\n"
    model = _find_model(project, args.model, args.service) if args.model else None
    if model:
        imports.append((model[0], args.model))
    echo = ", ".join(f'"{name}": {name}' for _, name in parameters)
    if args.model and method in _BODY_METHODS:
        variable = to_snake(args.model)
        signature.append(f"{variable}: {args.model}")
        status = 201 if method == "POST" else 200
        returns = f"tuple[{args.model}, int]"
        body_lines.append(f"    return {variable}, {status}")
    elif args.model:
        returns = f"list[{args.model}]"
        body_lines.append("    return []")
    else:
        returns = "dict[str, object]"
        extra = f", {echo}" if echo else ""
        body_lines.append(f'    return {{"message": "{method} {args.path}"{extra}}}')
    block = (
        f'@{place.owner}.{method.lower()}("{args.path}")\n'
        + guard
        + f"async def {function}({', '.join(signature)}) -> {returns}:\n"
        f'    """{method} {args.path}{" (bearer token required)" if args.auth else ""}."""\n'
        + "\n".join(body_lines)
        + "\n"
    )
    for path, text in project.feature_package(feature).items():
        changes.ensure(path, text)
    changes.put(place.path, place.header, imports, function, block)
    url = _PARAMETER.sub(lambda m: _sample(m.group(1) or "string"), args.path)
    changes.create(
        _test_path(project, "endpoint", function),
        _endpoint_test(args, project, function, url, model[1] if model else None),
    )


def _endpoint_test(
    args: argparse.Namespace,
    project: Project,
    function: str,
    url: str,
    model: ast.ClassDef | None,
) -> str:
    method = args.method.upper()
    verb = method.lower()
    app_module = project.app_module(args.service)
    auth = ", headers=auth_headers" if args.auth else ""
    fixture = "auth_headers: dict[str, str]" if args.auth else ""
    text = _test_header(f"{method} {args.path}")
    text += f"\nfrom gobstopper.testing import TestClient\n\nfrom {app_module} import app\n"
    if model and method in _BODY_METHODS:
        fields = _fields_of(model)
        required = [  # fields without a default
            item.target.id
            for item in model.body
            if isinstance(item, ast.AnnAssign)
            and isinstance(item.target, ast.Name)
            and item.value is None
        ]
        status = 201 if method == "POST" else 200
        text += f"""

VALID = {_payload(fields)}


def test_{function}_accepts_a_valid_body({fixture}) -> None:
    with TestClient(app) as client:
        response = client.{verb}("{url}", json=VALID{auth})
    assert response.status_code == {status}, response.text
    assert response.json() == VALID
"""
        if required:
            text += f"""

def test_{function}_refuses_a_body_without_{required[0]}({fixture}) -> None:
    body = {{key: value for key, value in VALID.items() if key != "{required[0]}"}}
    with TestClient(app) as client:
        response = client.{verb}("{url}", json=body{auth})
    assert response.status_code == 422
    assert "{required[0]}" in response.text
"""
    else:
        expected = "[]" if model else None
        check = (
            f"    assert response.json() == {expected}\n"
            if expected
            else f'    assert response.json()["message"] == "{method} {args.path}"\n'
        )
        text += f"""

def test_{function}_answers({fixture}) -> None:
    with TestClient(app) as client:
        response = client.{verb}("{url}"{auth})
    assert response.status_code == 200, response.text
{check}"""
    if args.auth:
        text += f"""

def test_{function}_needs_a_bearer_token() -> None:
    with TestClient(app) as client:
        missing = client.{verb}("{url}")
        wrong = client.{verb}("{url}", headers={{"Authorization": "Bearer wrong"}})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert wrong.status_code == 401
"""
    return text


def _fields_of(model: ast.ClassDef) -> list[Field]:
    """The fields of an existing model, read back from its source for test payloads."""
    return [
        _field_from(item)
        for item in model.body
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
    ]


def _field_from(item: ast.AnnAssign) -> Field:
    name = ast.unparse(item.target)
    annotation = ast.unparse(item.annotation)
    base = annotation.removesuffix(" | None")
    names = {"UUID": "uuid", "Decimal": "decimal"}
    listed = re.fullmatch(r"list\[(\w+)\]", base)
    inner = listed.group(1) if listed else base
    kind = names.get(inner, inner)
    spec = f"list[{kind}]" if listed else kind
    try:
        return parse_field(f"{name}:{spec}{'?' if base != annotation else ''}")
    except FieldError:
        raise GenerateError(
            f"field {name}: {annotation} is not a type the generator writes tests for"
        ) from None


# -- task ----------------------------------------------------------------------------------


def _task(args: argparse.Namespace, project: Project, changes: Changes) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.name):
        raise GenerateError(f"task name {args.name!r} must be a lowercase identifier")
    if not _CATEGORY.match(args.category):
        raise GenerateError(
            f"category {args.category!r} must be 1-64 letters, digits, '_', '-' or '.'"
        )
    feature = args.module or _identifier(args.category)
    place = project.tasks(feature, args.service)
    block = (
        f'@{place.owner}.task(category="{args.category}")\n'
        f"async def {args.name}(payload: dict[str, object]) -> dict[str, object]:\n"
        f'    """Background task in category {args.category!r}: runs in a worker."""\n'
        '    return {"processed": payload}\n'
    )
    for path, text in project.feature_package(feature).items():
        changes.ensure(path, text)
    changes.put(place.path, place.header, list(place.owner_imports), args.name, block)
    app_module = project.app_module(args.service)
    text = _test_header(f"The {args.name} task runs in a worker and keeps its result.")
    text += f"""
import asyncio

from {app_module} import app


async def test_{args.name}_runs_in_a_worker() -> None:
    task_id = await app.add_background_task("{args.name}", payload={{"n": 1}})
    await app.start_task_workers("{args.category}", worker_count=1)
    try:
        for _ in range(200):
            info = await app.get_task(task_id)
            if info is not None and info.status.value in ("success", "failed"):
                break
            await asyncio.sleep(0.05)
    finally:
        await app.tasks.close()
    assert info is not None
    assert info.status.value == "success", info.error
    assert info.result == {{"processed": {{"n": 1}}}}
"""
    changes.create(_test_path(project, "task", args.name), text)


# -- websocket -----------------------------------------------------------------------------


def _websocket(args: argparse.Namespace, project: Project, changes: Changes) -> None:
    parameters = _check_path(args.path)
    path = args.path
    if args.room_based and "room" not in {name for _, name in parameters}:
        path = f"{path.rstrip('/')}/<room>"
        parameters.append(("string", "room"))
    feature = args.module or _feature_of(args.path)
    place = project.routes(feature, args.service)
    slug = _slug(args.path)
    function = slug if slug.startswith("ws_") else f"ws_{slug}"
    signature = ["websocket: WebSocket", *(f"{n}: {_python_type(c)}" for c, n in parameters)]
    imports = [*place.owner_imports, ("gobstopper.websocket", "WebSocket")]
    if args.room_based:
        imports.append(("gobstopper.websocket", "RoomManager"))
        key = f'("{function}", room)'
        body = (
            "    await websocket.accept()\n"
            f"    await rooms.join({key}, websocket)\n"
            '    await websocket.send_json({"joined": room})\n'
            "    async for message in websocket:\n"
            f"        await rooms.broadcast({key}, message.data)\n"
        )
        doc = "Everyone in the room receives what each member sends."
    else:
        body = (
            "    await websocket.accept()\n"
            "    async for message in websocket:\n"
            "        if isinstance(message.data, bytes):\n"
            "            await websocket.send_bytes(message.data)\n"
            "        else:\n"
            "            await websocket.send_text(message.data)\n"
        )
        doc = "Sends every message back to its sender."
    block = (
        f'@{place.owner}.websocket("{path}")\n'
        f"async def {function}({', '.join(signature)}) -> None:\n"
        f'    """{doc}"""\n' + body
    )
    for new_path, text in project.feature_package(feature).items():
        changes.ensure(new_path, text)
    source = changes.current(place.path, place.header)
    if args.room_based and "rooms" not in defined_names(source, place.path):
        changes.put(place.path, place.header, imports, "rooms", "rooms = RoomManager()\n")
    changes.put(place.path, place.header, imports, function, block)
    url = _PARAMETER.sub(lambda m: _sample(m.group(1) or "string"), path)
    app_module = project.app_module(args.service)
    text = _test_header(f"The WebSocket at {path}.")
    text += f"\nfrom gobstopper.testing import AsyncTestClient\n\nfrom {app_module} import app\n"
    if args.room_based:
        text += f"""

async def test_{function}_broadcasts_to_the_room() -> None:
    async with AsyncTestClient(app) as client:
        async with client.websocket_connect("{url}") as first:
            async with client.websocket_connect("{url}") as second:
                assert await first.receive_json() == {{"joined": "sample"}}
                assert await second.receive_json() == {{"joined": "sample"}}
                await first.send_text("hello")
                assert await second.receive_text() == "hello"
                assert await first.receive_text() == "hello"
"""
    else:
        text += f"""

async def test_{function}_echoes_messages() -> None:
    async with AsyncTestClient(app) as client:
        async with client.websocket_connect("{url}") as socket:
            await socket.send_text("hello")
            assert await socket.receive_text() == "hello"
            await socket.send_bytes(b"\\x00\\x01")
            assert await socket.receive_bytes() == b"\\x00\\x01"
"""
    changes.create(_test_path(project, "websocket", function), text)


# -- command line --------------------------------------------------------------------------

_GENERATORS = {"model": _model, "endpoint": _endpoint, "task": _task, "websocket": _websocket}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``generate`` and its four kinds."""
    parser = subparsers.add_parser(
        "generate",
        help="add a model, endpoint, task or WebSocket handler to this project",
        description="Add code to the project in the working directory where its structure "
        "keeps it (read from .copier-answers.yml), wired in, with a test.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--force", action="store_true", help="overwrite or replace existing code")
    common.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    common.add_argument("--module", help="feature module (blueprints, modular structures)")
    common.add_argument("--service", help="service to add to (microservices structure)")

    def kind(name: str, help_text: str, example: str) -> argparse.ArgumentParser:
        sub = kinds.add_parser(
            name,
            parents=[common],
            help=help_text,
            description=help_text,
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(handler=generate_command)
        return sub

    model = kind(
        "model",
        "a msgspec Struct for request and response bodies",
        "gobstopper generate model User -f name:str -f email:str -f tags:list[str] -f age:int?",
    )
    model.add_argument("name", help="CamelCase class name")
    model.add_argument(
        "-f",
        "--field",
        action="append",
        default=[],
        metavar="NAME:TYPE",
        help="str, int, float, bool, datetime, date, uuid, decimal, list[TYPE]; ? = optional",
    )
    endpoint = kind(
        "endpoint",
        "an HTTP route",
        "gobstopper generate endpoint /api/users -m POST --model User --auth",
    )
    endpoint.add_argument("path", help="route path, e.g. /api/users/<int:user_id>")
    endpoint.add_argument("-m", "--method", default="GET", type=str.upper, choices=METHODS)
    endpoint.add_argument("--model", help="bind this model as the JSON body (POST/PUT/PATCH)")
    endpoint.add_argument("--auth", action="store_true", help="require the API bearer token")
    task = kind(
        "task", "a background task", "gobstopper generate task process_data --category data"
    )
    task.add_argument("name", help="task name (a lowercase identifier)")
    task.add_argument("--category", default="default", help="worker category (default: default)")
    websocket = kind(
        "websocket", "a WebSocket handler", "gobstopper generate websocket /ws/live --room-based"
    )
    websocket.add_argument("path", help="route path, e.g. /ws/live")
    websocket.add_argument(
        "--room-based", action="store_true", help="add a <room> and broadcast to its members"
    )


def generate_command(args: argparse.Namespace) -> int:
    """Entry point of ``gobstopper generate KIND``."""
    try:
        project = Project.find(Path.cwd())
        if args.service and project.structure != "microservices":
            raise GenerateError("--service is for the microservices structure")
        changes = Changes(project.root, args.force)
        _GENERATORS[args.kind](args, project, changes)
        planned = changes.finish()
    except (GenerateError, ProjectError, FieldError, SourceError, FileExistsError) as error:
        print(f"gobstopper generate: error: {error}", file=sys.stderr)
        return 2
    if args.dry_run:
        sys.stdout.write(changes.diff(planned))
        print(f"dry run: {len(planned)} file(s) would change; nothing written")
        return 0
    for line in changes.write(planned):
        print(line)
    return 0
