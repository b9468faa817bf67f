"""docs/migrating.rst: the refusal it quotes is the one raised, the fix it shows works,
and its command lines are run by the reference README's command tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from gobstopper.testing import TestClient

from .ledger import docs_page
from .reference_readme import APPLICATION, CONVENIENCE

LEDGER = docs_page("migrating")
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
