"""docs/migrating.rst: the Flask-style application runs as written (hooks without the
request, context locals, an awaited ``render_template``); the 0.5 refusal it quotes is
the one raised, the fix it shows works, and its command lines are run by the reference
README's command tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from gobstopper.testing import TestClient

from .ledger import docs_page
from .reference_readme import APPLICATION, CONVENIENCE

LEDGER = docs_page("migrating")
FLASK = LEDGER.run("from gobstopper import Gobstopper, abort, g, render_template, request, session")
REFUSAL = LEDGER.run(
    "ValueError: endpoint 'create_user' is already used by create_user; pass endpoint= to "
    "tell them apart"
)
RENAMED = LEDGER.run('@app.post("/users", endpoint="create_account")')
LEDGER.run_by(
    "$ gobstopper run -w 1 -h 0.0.0.0 -p 8080 --reload blueprints_demo.app:app",
    "tests/conformance/test_reference_readme_commands.py",
)


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


def test_the_quoted_refusal_is_what_registration_raises(workdir: Path) -> None:
    namespace = APPLICATION.exec()
    with pytest.raises(ValueError, match="already used") as refused:
        CONVENIENCE.exec(namespace, find_user=lambda user_id: None)
    assert f"ValueError: {refused.value}" == REFUSAL.text.strip()


def test_a_named_endpoint_sits_beside_the_first_create_user(workdir: Path) -> None:
    namespace = APPLICATION.exec()
    RENAMED.exec(namespace)
    app = namespace["app"]
    assert (app.url_for("create_user"), app.url_for("create_account")) == ("/api/users", "/users")
    with TestClient(app) as client:
        created = client.post("/users")
        typed = client.post("/api/users", json={"name": "Ann", "email": "a@example.com"})
    assert (created.status_code, created.json()) == (201, {"id": 123})
    assert typed.json() == {"message": "Created user: Ann"}


def test_the_flask_style_application_runs_as_written(workdir: Path) -> None:
    (workdir / "templates").mkdir()
    (workdir / "templates" / "book.html").write_text(
        "<h1>{{ title }}</h1><p>page {{ page }} for {{ reader }}</p>"
    )
    app = FLASK.exec()["app"]
    with TestClient(app) as client:
        anonymous = client.get("/books/1?page=3")
        login = client.post("/login", data={"name": "ann"})
        signed_in = client.get("/books/2")
        missing = client.get("/books/9", headers={"accept": "application/json"})
    assert anonymous.text == "<h1>Dune</h1><p>page 3 for guest</p>"
    assert anonymous.headers["x-powered-by"] == "gobstopper"
    assert login.json() == {"reader": "ann"}
    assert signed_in.text == "<h1>Emma</h1><p>page 1 for ann</p>"
    assert missing.status_code == 404
    with pytest.raises(RuntimeError, match="setup is frozen"):
        app.get("/late")(lambda: None)
