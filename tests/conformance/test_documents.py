"""Every documentation page has a conformance module, so a page added to docs/ cannot
bring code blocks that nothing runs."""

from __future__ import annotations

from pathlib import Path

from .ledger import DOCS

HERE = Path(__file__).resolve().parent


def test_every_docs_page_has_a_conformance_module() -> None:
    pages = {page.stem for page in DOCS.glob("*.rst")}
    modules = {
        module.stem.removeprefix("test_docs_").replace("_", "-")
        for module in HERE.glob("test_docs_*.py")
    }
    assert pages == modules
