"""docs/scaffolding.rst: ``gobstopper init`` as the page runs it, the project it shows,
the generators and the project's tests after them, and an upgrade, with the template
cache in a temporary folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .ledger import docs_page
from .shell import run

LEDGER = docs_page("scaffolding")
INIT = LEDGER.run("$ gobstopper init shop --usecase microservice --structure blueprints")
TREE = LEDGER.run("shop/")
GENERATE = LEDGER.run(
    '$ gobstopper generate model Product -f name:str -f price:float -f "tags:list[str]?"'
)
UPGRADE = LEDGER.run("$ git add -A")

pytestmark = pytest.mark.integration

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Docs Test",
    "GIT_AUTHOR_EMAIL": "docs@example.com",
    "GIT_COMMITTER_NAME": "Docs Test",
    "GIT_COMMITTER_EMAIL": "docs@example.com",
}


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()


def _run_all(commands: list[str], cwd: Path, cache: Path) -> str:
    result = run(
        " && ".join(commands),
        cwd,
        GOBSTOPPER_TEMPLATE_CACHE=str(cache),
        PYTHONDONTWRITEBYTECODE="1",
        **GIT_IDENTITY,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def _tree_paths(text: str) -> list[str]:
    """The paths a ``tree``-style listing names, relative to its root folder."""
    paths: list[str] = []
    parents: list[str] = []
    for line in text.splitlines()[1:]:
        found = re.match(r"^((?:│   |    )*)(?:├── |└── )(\S+)", line)
        assert found, line
        depth = len(found[1]) // 4
        name = found[2]
        parents[depth:] = [name.rstrip("/")]
        paths.append("/".join(parents))
    return paths


def test_init_generate_and_upgrade_as_the_page_runs_them(tmp_path: Path) -> None:
    cache = tmp_path / "template-cache"
    output = _run_all(INIT.commands(), tmp_path, cache)
    assert re.search(r"\d+ passed", output), output
    project = tmp_path / "shop"

    listed = _tree_paths(TREE.text)
    assert listed, TREE.text
    missing = [path for path in listed if not (project / path).exists()]
    assert not missing, missing

    output = _run_all(GENERATE.commands(), project, cache)
    assert re.search(r"\d+ passed", output), output
    for path in (
        "models.py",
        "blueprints/products.py",
        "blueprints/search.py",
        "blueprints/live.py",
        "tests/test_endpoint_get_api_products_by_product_id.py",
    ):
        assert (project / path).is_file(), path
    assert run("ruff check .", project).returncode == 0

    # Up to date, unless the template in this checkout changed since init rendered it:
    # then the upgrade merges that change, for review.
    output = _run_all(UPGRADE.commands(), project, cache)
    assert re.search(r"is already up to date|upgraded .* from v\S+ to v\S+", output), output
