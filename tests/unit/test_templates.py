"""Jinja2 templates: rendering, context, blueprints, reload, streaming and errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gobstopper import Blueprint, Gobstopper, Request
from gobstopper.testing import TestClient


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "templates", "base.html", "<title>{% block title %}{% endblock %}</title>")
    write(
        tmp_path / "templates",
        "hello.html",
        "{% extends 'base.html' %}{% block title %}Hi {{ name }}{% endblock %}",
    )
    write(tmp_path / "templates", "notes.txt", "{{ text }}")
    write(
        tmp_path / "templates",
        "context.html",
        "{{ request.path }}|{{ url_for('hello', name='x') }}|{{ site }}|"
        "{{ 3|double }}|{{ shout('a') }}",
    )
    write(tmp_path / "templates", "broken.html", "line one\nline two\n{% if %}\n")
    write(tmp_path / "templates", "fails.html", "ok\n{{ missing.attribute.deeper }}\n")
    write(tmp_path / "templates", "list.html", "{% for n in numbers %}<li>{{ n }}</li>{% endfor %}")
    return tmp_path


def make_app(project: Path, **options: object) -> Gobstopper:
    app = Gobstopper(__name__, root_path=project, static_folder=None, **options)

    @app.get("/hello/<name>")
    async def hello(name: str):
        return await app.render_template("hello.html", name=name)

    @app.get("/context")
    async def context(request: Request):
        return await app.render_template("context.html")

    @app.get("/text")
    async def text():
        return await app.render_template("notes.txt", text="<b>")

    @app.get("/string")
    async def string():
        return await app.render_template_string("<p>{{ v }}</p>", v="<script>")

    @app.get("/stream")
    async def stream():
        return await app.stream_template("list.html", numbers=range(3))

    @app.get("/broken")
    async def broken():
        return await app.render_template("broken.html")

    @app.get("/fails")
    async def fails():
        return await app.render_template("fails.html")

    @app.get("/missing")
    async def missing():
        return await app.render_template("nope.html")

    @app.context_processor
    def site_name() -> dict[str, str]:
        return {"site": "Gobstopper"}

    @app.template_filter()
    def double(value: int) -> int:
        return value * 2

    @app.template_global("shout")
    def shout(text: str) -> str:
        return text.upper()

    return app


def test_renders_with_inheritance_and_autoescape(project: Path) -> None:
    with TestClient(make_app(project)) as client:
        response = client.get("/hello/<b>Ann")
        assert response.status_code == 200
        assert response.text == "<title>Hi &lt;b&gt;Ann</title>"
        assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_plain_text_templates_are_not_escaped(project: Path) -> None:
    with TestClient(make_app(project)) as client:
        assert client.get("/text").text == "<b>"


def test_strings_are_escaped(project: Path) -> None:
    with TestClient(make_app(project)) as client:
        assert client.get("/string").text == "<p>&lt;script&gt;</p>"


def test_request_url_for_processors_filters_and_globals(project: Path) -> None:
    with TestClient(make_app(project)) as client:
        assert client.get("/context").text == "/context|/hello/x|Gobstopper|6|A"


def test_async_context_processor(project: Path) -> None:
    app = make_app(project)

    @app.context_processor
    async def late() -> dict[str, str]:
        return {"site": "from async"}

    with TestClient(app) as client:
        assert "from async" in client.get("/context").text


def test_stream_template(project: Path) -> None:
    with TestClient(make_app(project)) as client:
        response = client.get("/stream")
        assert response.text == "<li>0</li><li>1</li><li>2</li>"
        assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_blueprint_templates_come_after_the_application(project: Path) -> None:
    write(project / "admin" / "templates", "hello.html", "blueprint hello")
    write(project / "admin" / "templates", "admin/panel.html", "panel for {{ who }}")
    app = make_app(project)
    admin = Blueprint(
        "admin", __name__, template_folder="admin/templates", root_path=project, url_prefix="/a"
    )

    @admin.get("/panel")
    async def panel():
        return await app.render_template("admin/panel.html", who="root")

    @admin.get("/hello")
    async def shadowed():
        return await app.render_template("hello.html", name="app wins")

    app.register_blueprint(admin)
    with TestClient(app) as client:
        assert client.get("/a/panel").text == "panel for root"
        assert client.get("/a/hello").text == "<title>Hi app wins</title>"


def test_auto_reload_picks_up_edits(project: Path) -> None:
    app = make_app(project)
    app.init_templates(auto_reload=True)
    with TestClient(app) as client:
        assert client.get("/text").text == "<b>"
        path = write(project / "templates", "notes.txt", "edited {{ text }}")
        later = os.stat(path).st_mtime + 5
        os.utime(path, (later, later))
        assert client.get("/text").text == "edited <b>"


def test_without_auto_reload_templates_are_cached(project: Path) -> None:
    app = make_app(project)
    app.init_templates(auto_reload=False)
    with TestClient(app) as client:
        client.get("/text")
        path = write(project / "templates", "notes.txt", "edited {{ text }}")
        later = os.stat(path).st_mtime + 5
        os.utime(path, (later, later))
        assert client.get("/text").text == "<b>"


def test_debug_mode_reloads_by_default(project: Path) -> None:
    assert make_app(project, debug=True).templates.environment.auto_reload is True
    assert make_app(project, debug=False).templates.environment.auto_reload is False


def test_syntax_error_in_debug_names_template_and_line(project: Path) -> None:
    with TestClient(make_app(project, debug=True)) as client:
        response = client.get("/broken")
        assert response.status_code == 500
        assert "template &#x27;broken.html&#x27;, line 3" in response.text


def test_render_error_in_debug_names_template_and_line(project: Path) -> None:
    with TestClient(make_app(project, debug=True)) as client:
        response = client.get("/fails", headers={"Accept": "application/json"})
        assert response.status_code == 500
        assert "template 'fails.html', line 2" in response.json()["traceback"]


def test_template_errors_in_production_are_a_plain_500(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(make_app(project, debug=False)) as client:
        response = client.get("/broken")
        assert response.status_code == 500
        assert "broken.html" not in response.text
        assert "Traceback" not in response.text
    assert "TemplateRenderError: template 'broken.html', line 3" in caplog.text


def test_missing_template_is_a_500_that_names_it_in_debug(project: Path) -> None:
    with TestClient(make_app(project, debug=True)) as client:
        response = client.get("/missing", headers={"Accept": "application/json"})
        assert response.status_code == 500
        assert "nope.html" in response.json()["traceback"]
