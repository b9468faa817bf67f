"""The Rust template engine renders exactly what Jinja2 renders, or hands the template to
Jinja2: one corpus, both engines, identical output."""

from __future__ import annotations

import enum
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pytest
from jinja2 import pass_context
from markupsafe import Markup

from gobstopper import Gobstopper
from gobstopper.templating import _AUTOESCAPED, Templates
from gobstopper.templating_rust import RustTemplates, unsupported_reason
from gobstopper.testing import TestClient

from ..notifyapp import make_awaiting_app

HERE = Path(__file__).parent
SUPPORTED = sorted(path.name for path in (HERE / "templates").iterdir() if path.name[0] != "_")
FALLBACK = sorted(path.name for path in (HERE / "fallback").iterdir())
RUNTIME_FALLBACK = [name for name in FALLBACK if name.startswith("runtime_")]
STATIC_FALLBACK = [name for name in FALLBACK if not name.startswith("runtime_")]


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y

    def __str__(self) -> str:
        return f"<Point {self.x}, {self.y}>"

    def norm(self) -> int:
        return abs(self.x) + abs(self.y)

    def label(self, prefix: str) -> str:
        return f"{prefix}:{self.x}"


class Html:
    def __html__(self) -> str:
        return "<em>already safe</em>"

    def __str__(self) -> str:
        return "Html()"


class Fragile:
    """Properties that raise: an AttributeError means "undefined", anything else fails."""

    @property
    def vanishing(self) -> str:
        raise AttributeError("vanishing")

    @property
    def broken(self) -> str:
        raise KeyError("broken")

    def __getitem__(self, key: str) -> str:
        if key == "listed":
            return "from getitem"
        raise KeyError(key)


class Color(enum.Enum):
    RED = "red"


class Label(str):
    """A str subclass, printed through str()."""


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str]


@dataclass
class User:
    name: str
    admin: bool
    email: str | None


def _wrap(value: object, left: str, right: str) -> Markup:
    return Markup(left) + value + Markup(right)


@pass_context
def _needs_context(context: Any, value: object) -> str:
    return f"{value} in {context.name}"


FILTERS = {
    "double": lambda value: value * 2,
    "euros": lambda cents: f"€{cents / 100:.2f}",
    "wrap": _wrap,
    "needs_context": _needs_context,
}


def values() -> dict[str, Any]:
    return {
        "text": "Tom & 'Jerry' <b>\"quoted\"</b>",
        "empty": "",
        "unicode": "日本語 ✔ é",
        "markup": Markup("<i>kept</i>"),
        "number": 42,
        "negative": -7,
        "big": 2**70,
        "zero": 0,
        "flag": True,
        "off": False,
        "nothing": None,
        "subclass": Label("sub<class>"),
        "floats": [
            *(0.1, 1.0, -0.0, 1e16, 1e15, 1.5e-5, 0.0001, 123456.789, 1 / 3, 2.5e-300),
            *(float("inf"), float("-inf"), float("nan"), 1e22, 100.0),
        ],
        "items": [Item("bolt", 0.25, ["m4", "steel"]), Item("nut <&>", 1e-7, [])],
        "users": [User("Ann", True, None), User("Bob <script>", False, "bob@example.com")],
        "mapping": {"a": 1, "b": [1, 2], "c": {"d": "e & f"}},
        "pairs": [("x", 1), ("y", 2.5)],
        "tuple_value": (1, "two", None),
        "nested": [[1, 2], [3]],
        "empty_list": [],
        "text_list": ["a'b", 'c"d'],
        "point": Point(1, -2),
        "html": Html(),
        "color": Color.RED,
        "fortunes": [{"id": 1, "message": "<script>alert(1)</script>"}, {"id": 2, "message": "ü"}],
        "a_set": {3},
        "generator": (n for n in range(3)),
        "counted": range(10, 13),
        "site": "Gobstopper & co",
        "fragile": Fragile(),
    }


@pytest.fixture
def engines(tmp_path: Path, rust_core: ModuleType) -> tuple[Templates, Templates]:
    folder = tmp_path / "templates"
    shutil.copytree(HERE / "templates", folder)
    for path in (HERE / "fallback").iterdir():
        shutil.copy(path, folder / path.name)
    app = Gobstopper(__name__, root_path=tmp_path, static_folder=None)

    @app.get("/")
    async def index() -> str:
        return "index"

    jinja_only = Templates(app, "templates")
    jinja_only._rust = None
    both = Templates(app, "templates")
    for templates in (jinja_only, both):
        templates.environment.filters.update(FILTERS)
    both._rust = RustTemplates(both.environment, rust_core, _AUTOESCAPED)
    return jinja_only, both


def test_the_corpus_covers_what_templates_use() -> None:
    assert len(SUPPORTED) >= 20
    assert {"base.html", "child.html", "macros.html", "include.html", "filters.html"} <= set(
        SUPPORTED
    )


@pytest.mark.parametrize("name", SUPPORTED)
async def test_rust_renders_the_template_exactly_as_jinja2(
    engines: tuple[Templates, Templates], name: str
) -> None:
    jinja_only, both = engines
    expected = await jinja_only.render(name, values())
    context = await both._context(values())  # fresh values: generators run out
    rendered = both._rust.render(name, context)
    assert rendered is not None, f"{name} was not rendered by the Rust engine"
    assert rendered == expected


@pytest.mark.parametrize("name", STATIC_FALLBACK)
async def test_templates_outside_the_subset_are_rendered_by_jinja2(
    engines: tuple[Templates, Templates], name: str, caplog: pytest.LogCaptureFixture
) -> None:
    jinja_only, both = engines
    assert unsupported_reason(both.environment, name) is not None
    with caplog.at_level(logging.INFO, logger="gobstopper.templates"):
        assert await both.render(name, values()) == await jinja_only.render(name, values())
        await both.render(name, values())
    logged = [record for record in caplog.records if name in record.getMessage()]
    assert len(logged) == 1, "the reason is logged once per template"
    assert "rendered by Jinja2" in logged[0].getMessage()


@pytest.mark.parametrize("name", RUNTIME_FALLBACK)
async def test_a_failed_rust_render_gives_jinja2s_answer(
    engines: tuple[Templates, Templates], name: str
) -> None:
    jinja_only, both = engines
    assert unsupported_reason(both.environment, name) is None
    try:
        expected: object = await jinja_only.render(name, values())
    except Exception as error:
        expected = (type(error), str(error))
    try:
        rendered: object = await both.render(name, values())
    except Exception as error:
        rendered = (type(error), str(error))
    assert rendered == expected


@pytest.mark.parametrize("name", ["index.html"])
def test_the_example_apps_page_is_rendered_in_rust(rust_core: ModuleType, name: str) -> None:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE.parents[1] / "examples" / "templates")
    )
    assert unsupported_reason(environment, name) is None


async def test_an_edited_template_is_rendered_anew(
    engines: tuple[Templates, Templates], tmp_path: Path
) -> None:
    _, both = engines
    both.environment.auto_reload = True
    path = tmp_path / "templates" / "edited.html"
    path.write_text("one {{ number }}")
    assert await both.render("edited.html", values()) == "one 42"
    path.write_text("two {{ number }}!")
    import os

    os.utime(path, (path.stat().st_atime + 5, path.stat().st_mtime + 5))
    assert await both.render("edited.html", values()) == "two 42!"


async def test_calls_returning_awaitables_are_left_to_jinja2_which_awaits_them(
    engines: tuple[Templates, Templates],
) -> None:
    jinja_only, both = engines

    async def total() -> int:
        return 42

    assert both.folder is not None
    (Path(both.folder) / "awaits.html").write_text("{{ fetch() }} {{ number }}")
    refused = await both._context({**values(), "fetch": total})
    assert both._rust.render("awaits.html", refused) is None
    assert await both.render("awaits.html", {**values(), "fetch": total}) == "42 42"
    assert await jinja_only.render("awaits.html", {**values(), "fetch": total}) == "42 42"


async def test_an_awaitable_value_is_left_to_jinja2(engines: tuple[Templates, Templates]) -> None:
    _, both = engines

    async def total() -> int:
        return 42

    assert both.folder is not None
    (Path(both.folder) / "pending.html").write_text("{{ pending }}")
    pending = total()
    try:
        context = await both._context({"pending": pending})
        assert both._rust.render("pending.html", context) is None
        assert (await both.render("pending.html", {"pending": pending})).startswith("&lt;coroutine")
    finally:
        pending.close()


@pytest.mark.parametrize("with_sessions", [False, True], ids=["cookie", "session"])
def test_a_page_handed_back_to_jinja2_still_shows_the_notifications(
    rust_core: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_sessions: bool
) -> None:
    monkeypatch.setattr("gobstopper.templating.native", lambda: rust_core)
    app = make_awaiting_app(tmp_path, with_sessions)
    with TestClient(app) as client:
        client.post("/save")
        assert unsupported_reason(app.templates.environment, "page.html") is None
        assert client.get("/page").text == "<p>Saved</p><span>7</span>"
        assert client.get("/page").text == "<span>7</span>"
