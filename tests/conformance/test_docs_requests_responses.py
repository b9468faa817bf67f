"""docs/requests-responses.rst: tables and prose; a code block added here must be run too."""

from __future__ import annotations

from .ledger import docs_page

LEDGER = docs_page("requests-responses")


def test_every_block_is_accounted_for() -> None:
    LEDGER.check()
