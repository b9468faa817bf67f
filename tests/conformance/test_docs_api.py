"""docs/api.rst: generated from docstrings; a code block added here must be run too."""

from __future__ import annotations

from .ledger import docs_page

LEDGER = docs_page("api")


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()
