"""``gobstopper openapi`` writes the application's document, for client generators and CI."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from openapi_spec_validator import validate

from gobstopper.cli import cli

APP = textwrap.dedent(
    '''
    import msgspec
    from gobstopper import Gobstopper

    app = Gobstopper(__name__)


    class Item(msgspec.Struct):
        name: str


    @app.post("/items")
    async def create(item: Item) -> Item:
        """Create an item."""
        return item
    '''
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "shop.py").write_text(APP)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("shop", None)


def test_openapi_prints_a_valid_document(project: Path) -> None:
    result = CliRunner().invoke(cli, ["openapi", "shop:app", "--title", "Shop"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    validate(document)
    assert document["info"]["title"] == "Shop"
    assert document["paths"]["/items"]["post"]["summary"] == "Create an item."


def test_openapi_writes_a_file(project: Path) -> None:
    result = CliRunner().invoke(cli, ["openapi", "shop:app", "-o", "openapi.json"])
    assert result.exit_code == 0, result.output
    assert "/items" in json.loads((project / "openapi.json").read_text())["paths"]


def test_openapi_of_a_missing_app_is_a_usage_error(project: Path) -> None:
    result = CliRunner().invoke(cli, ["openapi", "nope:app"])
    assert result.exit_code == 2
    assert "nope" in result.output
