"""docs/cli.rst: its samples are run by the CLI's own documentation tests
(tests/unit/test_cli_docs.py); this ledger makes sure none is left out of either."""

from __future__ import annotations

from .ledger import docs_page

LEDGER = docs_page("cli")
CLI_DOCS_TESTS = "tests/unit/test_cli_docs.py"

for key in (
    "import click",
    "$ gobstopper create-admin ada@example.com",
    "from click.testing import CliRunner",
    "# production.toml",
    '$ eval "$(_GOBSTOPPER_COMPLETE=bash_source gobstopper)"',
    '[project.entry-points."gobstopper.commands"]',
    "import click #2",
):
    LEDGER.run_by(key, CLI_DOCS_TESTS)


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()
