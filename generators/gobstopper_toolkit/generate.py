"""``gobstopper generate model|endpoint|task|websocket``: add code where the project's
structure keeps it, wired in so it works at once, with a test for it."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import click

from gobstopper.cli import CommandError
from gobstopper.cli.params import Choice
from gobstopper.routing import Converter, Rule
from gobstopper.tasks.registry import check_category

from .changes import Changes
from .fields import Field, FieldError, parse_field, to_snake
from .project import Project, ProjectError
from .pysource import SourceError, defined_names

__all__ = ["generate"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_BODY_METHODS = ("POST", "PUT", "PATCH")
_MODEL_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
#: A value of each parameter type for the URLs of generated tests.
_SAMPLES = {int: "1", float: "1.5", UUID: "12345678-1234-5678-1234-567812345678"}

EXAMPLES = """\b
Examples:
  gobstopper generate model User -f name:str -f email:str -f created_at:datetime -f age:int?
  gobstopper generate endpoint /api/users -m POST --model User --auth
  gobstopper generate endpoint /api/users -m GET -m POST --model User
  gobstopper generate endpoint '/api/users/<int:user_id>' -m GET --auth
  gobstopper generate task process_data --category data
  gobstopper generate websocket /ws/live --room-based
  gobstopper generate endpoint /api/orders --dry-run      # show the diff, write nothing
"""


class GenerateError(ValueError):
    """The request cannot be turned into code; the message says why."""


def _identifier(text: str) -> str:
    name = re.sub(r"\W+", "_", text).strip("_").lower()
    return name if name and not name[0].isdigit() else f"r_{name}"


def _check_path(path: str) -> Rule:
    """``path`` as the router parses it; bad paths raise :class:`GenerateError`."""
    if not path.startswith("/"):
        raise GenerateError(f"path {path!r} must start with '/'")
    try:
        return Rule(path)
    except ValueError as error:
        raise GenerateError(f"path {path!r} is not a valid route: {error}") from None


def _parameters(rule: Rule) -> list[tuple[str, Converter]]:
    """The ``(name, converter)`` of each parameter of ``rule``, in order."""
    return [(name, rule.converters[name]) for name in rule.param_names]


def _feature_of(rule: Rule) -> str:
    """``/api/users/<int:user_id>`` → ``users``: the last segment without parameters."""
    static = [segment.text for segment in rule.segments if segment.is_static and segment.text]
    return _identifier(static[-1]) if static else "main"


def _slug(rule: Rule) -> str:
    """``/api/users/<int:user_id>`` → ``api_users_by_user_id``."""
    parts = []
    for segment in rule.segments:
        single = segment.single
        if single is not None:
            parts.append(f"by_{single.name}")
        elif segment.text:
            parts.append(_identifier(segment.text))
    return "_".join(parts) or "root"


def _sample_url(rule: Rule) -> str:
    """A URL of ``rule`` with a sample value in each parameter, for generated tests."""
    return rule.build(
        {name: _SAMPLES.get(c.python_type, "sample") for name, c in _parameters(rule)}
    )


def _annotation(converter: Converter) -> str:
    """The type a handler declares for a parameter of ``converter``."""
    return converter.python_type.__name__


def _type_imports(rule: Rule) -> list[tuple[str, str]]:
    """What a handler module imports for the types of ``rule``'s parameters."""
    kinds = dict.fromkeys(converter.python_type for _, converter in _parameters(rule))
    return [(kind.__module__, kind.__name__) for kind in kinds if kind.__module__ != "builtins"]


def _test_path(project: Project, kind: str, name: str) -> Path:
    return project.root / "tests" / f"test_{kind}_{name}.py"


def _test_header(doc: str) -> str:
    return f'"""{doc}"""\n\nfrom __future__ import annotations\n'


# -- model ---------------------------------------------------------------------------------


def _model(
    project: Project,
    changes: Changes,
    *,
    name: str,
    field: tuple[str, ...],
    module: str | None,
    service: str | None,
) -> None:
    if not _MODEL_NAME.match(name):
        raise GenerateError(f"model name {name!r} must be CamelCase, e.g. User or BlogPost")
    if not field:
        raise GenerateError("a model needs at least one field: -f NAME:TYPE")
    fields = [parse_field(spec) for spec in field]
    names = [item.name for item in fields]
    if len(set(names)) != len(names):
        raise GenerateError(f"fields repeat a name: {', '.join(names)}")
    feature = module or f"{to_snake(name)}s"
    place = project.models(feature, service)
    for path, text in project.feature_package(feature).items():
        changes.ensure(path, text)
    lines = [f"class {name}(msgspec.Struct, kw_only=True):", f'    """A {name}."""', ""]
    for item in fields:
        default = " = None" if item.optional else ""
        lines.append(f"    {item.name}: {item.annotation}{default}")
    imports = [("msgspec", "")] + [pair for item in fields for pair in item.imports]
    changes.put(place.path, place.header, imports, name, "\n".join(lines) + "\n")
    changes.create(
        _test_path(project, "model", to_snake(name)),
        _model_test(name, place.module, fields),
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


def _endpoint(
    project: Project,
    changes: Changes,
    *,
    path: str,
    method: tuple[str, ...],
    model: str | None,
    auth: bool,
    module: str | None,
    service: str | None,
) -> None:
    """One handler per method (``-m GET -m POST``), each with its own test."""
    rule = _check_path(path)
    feature = module or _feature_of(rule)
    place = project.routes(feature, service)
    found = _find_model(project, model, service) if model else None
    for new_path, text in project.feature_package(feature).items():
        changes.ensure(new_path, text)
    for verb in dict.fromkeys(name.upper() for name in method or ("GET",)):
        handler = _Handler(rule, verb, model, found, auth)
        imports = [*place.owner_imports, *handler.imports()]
        changes.put(place.path, place.header, imports, handler.function, handler.code(place.owner))
        changes.create(
            _test_path(project, "endpoint", handler.function),
            _endpoint_test(handler, project.app_module(service)),
        )


class _Handler:
    """What one generated HTTP handler is: its route, method, parameters and result."""

    def __init__(
        self,
        rule: Rule,
        method: str,
        model: str | None,
        found: tuple[str, ast.ClassDef] | None,
        auth: bool,
    ) -> None:
        self.rule, self.path, self.method = rule, rule.pattern, method
        self.parameters = _parameters(rule)
        self.model, self.found, self.auth = model, found, auth
        self.function = f"{method.lower()}_{_slug(rule)}"
        self.takes_body = model is not None and method in _BODY_METHODS
        self.status = 201 if method == "POST" else 200
        self.url = _sample_url(rule)

    def imports(self) -> list[tuple[str, str]]:
        """What the handler's module must import for it."""
        imports: list[tuple[str, str]] = []
        imports.extend(_type_imports(self.rule))
        if self.auth:
            imports.append(("auth", "token_required"))
        if self.found and self.model:
            imports.append((self.found[0], self.model))
        return imports

    def code(self, owner: str) -> str:
        """The decorated handler function."""
        signature = [f"{name}: {_annotation(converter)}" for name, converter in self.parameters]
        if self.takes_body and self.model:
            variable = to_snake(self.model)
            signature.append(f"{variable}: {self.model}")
            returns = f"tuple[{self.model}, int]"
            body = f"    return {variable}, {self.status}"
        elif self.model:
            returns = f"list[{self.model}]"
            body = "    return []"
        else:
            echo = "".join(f', "{name}": {name}' for name, _ in self.parameters)
            message = f'{{"message": "{self.method} {self.path}"{echo}}}'
            if self.status == 201:
                returns = "tuple[dict[str, object], int]"
                body = f"    return {message}, 201"
            else:
                returns = "dict[str, object]"
                body = f"    return {message}"
        guard = "@token_required\n" if self.auth else ""
        note = " (bearer token required)" if self.auth else ""
        return (
            f'@{owner}.{self.method.lower()}("{self.path}")\n'
            + guard
            + f"async def {self.function}({', '.join(signature)}) -> {returns}:\n"
            f'    """{self.method} {self.path}{note}."""\n' + body + "\n"
        )


def _endpoint_test(handler: _Handler, app_module: str) -> str:
    verb, function, url = handler.method.lower(), handler.function, handler.url
    auth = ", headers=auth_headers" if handler.auth else ""
    fixture = "auth_headers: dict[str, str]" if handler.auth else ""
    text = _test_header(f"{handler.method} {handler.path}")
    text += f"\nfrom gobstopper.testing import TestClient\n\nfrom {app_module} import app\n"
    if handler.takes_body and handler.found:
        model = handler.found[1]
        fields = _fields_of(model)
        required = [  # fields without a default
            item.target.id
            for item in model.body
            if isinstance(item, ast.AnnAssign)
            and isinstance(item.target, ast.Name)
            and item.value is None
        ]
        text += f"""

VALID = {_payload(fields)}


def test_{function}_accepts_a_valid_body({fixture}) -> None:
    with TestClient(app) as client:
        response = client.{verb}("{url}", json=VALID{auth})
    assert response.status_code == {handler.status}, response.text
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
        check = (
            "    assert response.json() == []\n"
            if handler.model
            else f'    assert response.json()["message"] == "{handler.method} {handler.path}"\n'
        )
        status = 200 if handler.model else handler.status
        text += f"""

def test_{function}_answers({fixture}) -> None:
    with TestClient(app) as client:
        response = client.{verb}("{url}"{auth})
    assert response.status_code == {status}, response.text
{check}"""
    if handler.auth:
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


def _task(
    project: Project,
    changes: Changes,
    *,
    name: str,
    category: str,
    module: str | None,
    service: str | None,
) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise GenerateError(f"task name {name!r} must be a lowercase identifier")
    try:
        check_category(category)
    except ValueError as error:
        raise GenerateError(str(error)) from None
    feature = module or _identifier(category)
    place = project.tasks(feature, service)
    block = (
        f'@{place.owner}.task(category="{category}")\n'
        f"async def {name}(payload: dict[str, object]) -> dict[str, object]:\n"
        f'    """Background task in category {category!r}: runs in a worker."""\n'
        '    return {"processed": payload}\n'
    )
    for path, text in project.feature_package(feature).items():
        changes.ensure(path, text)
    changes.put(place.path, place.header, list(place.owner_imports), name, block)
    app_module = project.app_module(service)
    text = _test_header(f"The {name} task runs in a worker and keeps its result.")
    text += f"""
import asyncio

from {app_module} import app


async def test_{name}_runs_in_a_worker() -> None:
    task_id = await app.add_background_task("{name}", payload={{"n": 1}})
    await app.start_task_workers("{category}", worker_count=1)
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
    changes.create(_test_path(project, "task", name), text)


# -- websocket -----------------------------------------------------------------------------


def _websocket(
    project: Project,
    changes: Changes,
    *,
    path: str,
    room_based: bool,
    module: str | None,
    service: str | None,
) -> None:
    """An echo handler, or with ``--room-based`` a room broadcast at the path as typed:
    the room is the path's ``<room>`` parameter when it has one, else the ``room``
    query parameter (``/ws/live?room=lobby``)."""
    rule = _check_path(path)
    room_in_path = "room" in rule.param_names
    feature = module or _feature_of(rule)
    place = project.routes(feature, service)
    slug = _slug(rule)
    function = slug if slug.startswith("ws_") else f"ws_{slug}"
    signature = ["websocket: WebSocket", *(f"{n}: {_annotation(c)}" for n, c in _parameters(rule))]
    imports = [*place.owner_imports, ("gobstopper.websocket", "WebSocket"), *_type_imports(rule)]
    if room_based:
        imports.append(("gobstopper.websocket", "RoomManager"))
        key = f'("{function}", room)'
        choose = "" if room_in_path else '    room = websocket.args.get("room", "lobby")\n'
        body = (
            choose + "    await websocket.accept()\n"
            f"    await rooms.join({key}, websocket)\n"
            '    await websocket.send_json({"joined": room})\n'
            "    async for message in websocket:\n"
            f"        await rooms.broadcast({key}, message.data)\n"
        )
        where = "the room in the path" if room_in_path else "the room named by ?room= (lobby)"
        doc = f"Everyone in {where} receives what each member sends."
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
    if room_based and "rooms" not in defined_names(source, place.path):
        changes.put(place.path, place.header, imports, "rooms", "rooms = RoomManager()\n")
    changes.put(place.path, place.header, imports, function, block)
    url = _sample_url(rule)
    if room_based and not room_in_path:
        url += "?room=sample"
    app_module = project.app_module(service)
    text = _test_header(f"The WebSocket at {path}.")
    text += f"\nfrom gobstopper.testing import AsyncTestClient\n\nfrom {app_module} import app\n"
    if room_based:
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

Generator = Callable[..., None]
F = TypeVar("F", bound=Callable[..., Any])


def _generate(
    generator: Generator, force: bool, dry_run: bool, service: str | None, **options: Any
) -> None:
    """Plan ``generator``'s changes in the project here, then write them or show the diff."""
    try:
        project = Project.find(Path.cwd())
        if service and project.structure != "microservices":
            raise GenerateError("--service is for the microservices structure")
        changes = Changes(project.root, force)
        generator(project, changes, service=service, **options)
        planned = changes.finish()
    except (GenerateError, ProjectError, FieldError, SourceError, FileExistsError) as error:
        raise CommandError(str(error)) from None
    if dry_run:
        click.echo(changes.diff(planned), nl=False)
        click.echo(f"dry run: {len(planned)} file(s) would change; nothing written")
        return
    for line in changes.write(planned):
        click.echo(line)


def _common_options(command: F) -> F:
    """The options every kind of ``generate`` takes."""
    for option in (
        click.option("--service", help="Service to add to (microservices structure)."),
        click.option("--module", help="Feature module (blueprints, modular structures)."),
        click.option("--dry-run", is_flag=True, help="Print the diff, write nothing."),
        click.option("--force", is_flag=True, help="Overwrite or replace existing code."),
    ):
        command = option(command)
    return command


def _example(text: str) -> str:
    return f"\b\nExample:\n  {text}"


@click.group(
    "generate",
    epilog=EXAMPLES,
    short_help="Add a model, endpoint, task or WebSocket handler.",
)
def generate() -> None:
    """Add code to the project in the working directory where its structure keeps it
    (read from .copier-answers.yml), wired in, with a test."""


@generate.command(
    "model",
    epilog=_example(
        "gobstopper generate model User -f name:str -f email:str -f tags:list[str] -f age:int?"
    ),
)
@click.argument("name")
@click.option(
    "-f",
    "--field",
    multiple=True,
    metavar="NAME:TYPE",
    help="str, int, float, bool, datetime, date, uuid, decimal, list[TYPE]; ? = optional.",
)
@_common_options
def model(force: bool, dry_run: bool, service: str | None, **options: Any) -> None:
    """A msgspec Struct for request and response bodies. NAME is its CamelCase class
    name."""
    _generate(_model, force, dry_run, service, **options)


@generate.command(
    "endpoint",
    epilog=_example("gobstopper generate endpoint /api/users -m GET -m POST --model User --auth"),
)
@click.argument("path")
@click.option(
    "-m",
    "--method",
    multiple=True,
    type=Choice(METHODS, case_sensitive=False),
    help="HTTP method; repeat for several, one handler each (default GET).",
)
@click.option("--model", help="Bind this model as the JSON body (POST/PUT/PATCH).")
@click.option("--auth", is_flag=True, help="Require the API bearer token.")
@_common_options
def endpoint(force: bool, dry_run: bool, service: str | None, **options: Any) -> None:
    """An HTTP route at PATH, e.g. /api/users/<int:user_id>. POST handlers answer 201."""
    _generate(_endpoint, force, dry_run, service, **options)


@generate.command("task", epilog=_example("gobstopper generate task process_data --category data"))
@click.argument("name")
@click.option("--category", default="default", show_default=True, help="The workers' category.")
@_common_options
def task(force: bool, dry_run: bool, service: str | None, **options: Any) -> None:
    """A background task. NAME is a lowercase identifier."""
    _generate(_task, force, dry_run, service, **options)


@generate.command(
    "websocket", epilog=_example("gobstopper generate websocket /ws/live --room-based")
)
@click.argument("path")
@click.option(
    "--room-based",
    is_flag=True,
    help="Broadcast to a room: the path's <room>, else the room query parameter.",
)
@_common_options
def websocket(
    force: bool, dry_run: bool, service: str | None, path: str, room_based: bool, **options: Any
) -> None:
    """A WebSocket handler at PATH, e.g. /ws/live; it echoes, or with --room-based
    broadcasts to the members of a room."""
    _generate(_websocket, force, dry_run, service, path=path, room_based=room_based, **options)
    if room_based and "room" not in Rule(path).param_names and not dry_run:
        click.echo(f"{path} takes the room from its query: {path}?room=NAME (default lobby)")
