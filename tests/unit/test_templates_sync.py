"""Templates that await nothing render with Jinja2's sync code; the others keep async mode
and render the same text as before."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jinja2
import pytest

from gobstopper import Gobstopper
from gobstopper.templating_sync import SyncTwin, _SyncEnvironment
from gobstopper.testing import TestClient

TEMPLATES = {
    "plain.html": "{% for row in rows %}<td>{{ row.id }}:{{ row['message'] }}</td>{% endfor %}",
    "calls.html": "{{ count() }}|{{ load() }}",
    "loop.html": "{% for n in numbers %}[{{ n }}]{% endfor %}",
    "attribute.html": "{{ user.name }}",
    "filter.html": "{{ 'x'|fetch }}",
    "includes.html": "<{% include 'filter.html' %}>",
    "macro.html": "{% macro cell(v) %}<{{ v }}>{% endmacro %}{{ cell(a) }}{{ cell(b) }}",
}


class User:
    @property
    def name(self) -> Any:
        return _value("Ann")


async def _value(value: Any) -> Any:
    return value


async def _numbers() -> AsyncIterator[int]:
    for n in range(3):
        yield n


def _environment(calls: list[str]) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.DictLoader(TEMPLATES), autoescape=True, enable_async=True
    )

    def count() -> int:
        calls.append("count")
        return len(calls)

    async def load() -> str:
        return "loaded"

    async def fetch(value: str) -> str:
        calls.append("fetch")
        return value.upper()

    environment.globals.update(count=count, load=load)
    environment.filters["fetch"] = fetch
    return environment


def _render(twin: SyncTwin, name: str, **context: Any) -> str | None:
    template = twin.template(name)
    return None if template is None else twin.render(name, template, context)


def test_a_template_that_awaits_nothing_renders_synchronously() -> None:
    environment = _environment([])
    twin = SyncTwin(environment)
    rows = [{"id": 1, "message": "<b>"}, {"id": 2, "message": "é"}]
    output = _render(twin, "plain.html", rows=rows)
    expected = asyncio.run(environment.get_template("plain.html").render_async(rows=rows))
    assert output == expected == "<td>1:&lt;b&gt;</td><td>2:é</td>"
    assert _render(twin, "macro.html", a="<i>", b=2) == "<&lt;i&gt;><2>"


@pytest.mark.parametrize(
    ("name", "context"),
    [
        ("calls.html", {}),
        ("loop.html", {"numbers": _numbers}),
        ("attribute.html", {"user": User()}),
        ("filter.html", {}),
        ("includes.html", {}),
    ],
)
def test_a_template_that_meets_an_awaitable_is_left_to_async_mode(
    name: str, context: dict[str, Any]
) -> None:
    twin = SyncTwin(_environment([]))
    values = {key: value() if key == "numbers" else value for key, value in context.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no coroutine may be left unawaited
        assert _render(twin, name, **values) is None
    # Decided once: the template is not tried in sync mode again.
    assert twin.template(name) is None


def test_a_template_with_an_async_filter_is_decided_before_any_call() -> None:
    calls: list[str] = []
    twin = SyncTwin(_environment(calls))
    assert twin.template("filter.html") is None
    assert calls == []


def make_app(tmp_path: Path) -> Gobstopper:
    folder = tmp_path / "templates"
    folder.mkdir()
    for name, source in TEMPLATES.items():
        (folder / name).write_text(source)
    app = Gobstopper(__name__, root_path=tmp_path, static_folder=None)
    calls: list[str] = []
    environment = app.templates.environment
    environment.globals.update(_environment(calls).globals)
    environment.filters["fetch"] = _environment(calls).filters["fetch"]

    @app.get("/<name>")
    async def page(name: str):
        context = {
            "rows": [{"id": 7, "message": "<x>"}],
            "numbers": _numbers(),
            "user": User(),
            "a": "<i>",
            "b": 2,
        }
        return await app.render_template(f"{name}.html", **context)

    return app


# A coroutine read and dropped unawaited on the way (by the Rust engine or the sync
# twin, before the async render reads it again) fails the test.
@pytest.mark.filterwarnings(
    "error::RuntimeWarning", "error::pytest.PytestUnraisableExceptionWarning"
)
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("plain", "<td>7:&lt;x&gt;</td>"),
        ("loop", "[0][1][2]"),
        ("attribute", "Ann"),
        ("filter", "X"),
        ("includes", "<X>"),
        ("macro", "<&lt;i&gt;><2>"),
    ],
)
def test_the_application_renders_sync_and_async_templates_alike(
    tmp_path: Path, name: str, text: str
) -> None:
    with TestClient(make_app(tmp_path)) as client:
        for _ in range(2):  # the second render takes the path decided by the first
            response = client.get(f"/{name}")
            assert response.status_code == 200
            assert response.text == text
    gc.collect()


def test_an_awaited_call_renders_on_every_request(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path)) as client:
        first, second = (client.get("/calls").text.split("|") for _ in range(2))
        assert first[1] == second[1] == "loaded"
        assert int(second[0]) > int(first[0]) >= 1


class _Row(dict):
    """A dict subclass with an attribute of its own: not an exact dict."""

    owner = "class attribute"


@pytest.mark.parametrize(
    ("obj", "attribute"),
    [
        ({"id": 7}, "id"),
        ({"id": 7}, "missing"),
        ({"items": "shadowed"}, "items"),  # the method, as in Jinja2: attribute first
        ({"keys": 1}, "keys"),
        ({"__class__": 1}, "__class__"),
        ({"__doc__": 1}, "__doc__"),
        ({"__dict__": "item"}, "__dict__"),  # a dict has no __dict__: the item
        ({"__name__": "item"}, "__name__"),  # nor the type's __name__: the item
        (_Row(owner="item", id=3), "owner"),
        (_Row(id=3), "id"),
        (_Row(), "missing"),
        ([1, 2], "append"),
        ("text", "upper"),
    ],
)
def test_a_lookup_answers_as_jinja2s_own(obj: Any, attribute: str) -> None:
    """The sync twin's attribute lookup (with its shortcut for exact dicts) gives what
    Jinja2's own gives, for names a dict has as attributes and names it has not."""
    ours = _SyncEnvironment().getattr(obj, attribute)
    theirs = jinja2.Environment().getattr(obj, attribute)
    if isinstance(theirs, jinja2.Undefined):
        assert type(ours) is type(theirs)
        assert ours._undefined_name == theirs._undefined_name == attribute
        assert ours._undefined_obj is theirs._undefined_obj is obj
    else:
        assert ours == theirs
        assert type(ours) is type(theirs)
