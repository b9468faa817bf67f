"""What the conformance tests do with each code block of a document.

Every block of a document is either *run* by a test (:meth:`Ledger.run` hands the test
a :class:`Sample`) or *classified* as not a contract, with a one-line reason
(:meth:`Ledger.not_a_contract`). Both are declared when the test module is imported, so
:meth:`Ledger.check` can fail on a block nobody accounted for (a sample added silently)
and on a key that no longer matches a block (a sample removed or rewritten).

Python samples run as written: compiled from the document's text with the document's
line numbers, into a namespace that holds only what the sample uses but does not define.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from types import CodeType
from typing import Any

from .blocks import Block, blocks_of, commands, transcript

__all__ = ["DOCS", "ROOT", "Ledger", "Sample", "docs_page"]

#: The repository's root and its Sphinx folder.
ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


class Ledger:
    """The blocks of one document and how each is accounted for."""

    def __init__(self, path: Path, name: str | None = None) -> None:
        self.path = path
        self.name = name or path.name
        self.blocks = {block.key: block for block in blocks_of(path, self.name)}
        self.ran: set[str] = set()
        self.elsewhere: dict[str, str] = {}
        self.classified: dict[str, str] = {}

    def run(self, key: str) -> Sample:
        """Declare that a test runs the block ``key``, and hand it over."""
        self.ran.add(key)
        return Sample(self, key)

    def run_by(self, key: str, test_module: str) -> None:
        """Declare that the block ``key`` is run by another test module (a path from the
        repository's root), which must exist."""
        assert (ROOT / test_module).is_file(), f"{test_module} does not exist"
        self.ran.add(key)
        self.elsewhere[key] = test_module

    def not_a_contract(self, key: str, reason: str) -> None:
        """Declare that the block ``key`` is not a contract of the project, and why."""
        self.classified[key] = reason

    def unaccounted(self) -> list[Block]:
        """Blocks that no test runs and nothing classifies."""
        declared = self.ran | self.classified.keys()
        return [block for key, block in self.blocks.items() if key not in declared]

    def vanished(self) -> list[str]:
        """Declared keys that match no block of the document any more."""
        return sorted((self.ran | self.classified.keys()) - self.blocks.keys())

    def check(self) -> None:
        """Fail unless every block is accounted for and every declaration matches."""
        problems = [f"no test runs or classifies {block}" for block in self.unaccounted()]
        problems += [
            f"{self.name}: no block starts with {key!r} any more" for key in self.vanished()
        ]
        assert not problems, "\n".join(problems)

    def block(self, key: str) -> Block:
        try:
            return self.blocks[key]
        except KeyError:
            raise LookupError(f"{self.name} has no code block starting with {key!r}") from None


def docs_page(stem: str) -> Ledger:
    """The ledger of ``docs/<stem>.rst``."""
    return Ledger(DOCS / f"{stem}.rst", f"docs/{stem}.rst")


class Sample:
    """One block a test runs: its text, its shell commands, or its Python code."""

    def __init__(self, ledger: Ledger, key: str) -> None:
        self.ledger = ledger
        self.key = key

    @property
    def block(self) -> Block:
        return self.ledger.block(self.key)

    @property
    def text(self) -> str:
        return self.block.text

    def commands(self) -> list[str]:
        """The shell commands of a ``bash``/``console`` block, in order."""
        return commands(self.block)

    def transcript(self) -> list[tuple[str, list[str]]]:
        """A ``console`` block's commands with the output it shows for each."""
        return transcript(self.block)

    def command(self, start: str) -> str:
        """The one command of the block that starts with ``start``."""
        matching = [line for line in self.commands() if line.startswith(start)]
        assert len(matching) == 1, f"{self.block}: commands starting {start!r}: {matching}"
        return matching[0]

    def code(self) -> CodeType:
        """The block compiled with the document as its file and the document's line
        numbers; top-level ``await`` is allowed (the sample then runs as a coroutine).
        The ``__future__`` imports of this module are not passed on: annotations are
        evaluated as in the reader's own module."""
        block = self.block
        tree = ast.parse(block.text, filename=str(self.ledger.path))
        ast.increment_lineno(tree, block.line - 1)
        return compile(
            tree,
            str(self.ledger.path),
            "exec",
            flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
            dont_inherit=True,
        )

    def exec(self, namespace: dict[str, Any] | None = None, **given: Any) -> dict[str, Any]:
        """Run the block in ``namespace`` (a fresh one by default) after adding ``given``
        to it, as the next cell of a notebook would run; returns the namespace."""
        namespace = _prepared(namespace, given)
        code = self.code()
        if code.co_flags & inspect.CO_COROUTINE:
            raise TypeError(f"{self.block} awaits at top level: use exec_async()")
        exec(code, namespace)
        return namespace

    async def exec_async(
        self, namespace: dict[str, Any] | None = None, **given: Any
    ) -> dict[str, Any]:
        """:meth:`exec` for a block that awaits at top level, as an async REPL runs it."""
        namespace = _prepared(namespace, given)
        result = eval(self.code(), namespace)
        if inspect.isawaitable(result):
            await result
        return namespace


def _prepared(namespace: dict[str, Any] | None, given: dict[str, Any]) -> dict[str, Any]:
    namespace = {} if namespace is None else namespace
    namespace.setdefault("__name__", "docs_sample")
    namespace.update(given)
    return namespace
