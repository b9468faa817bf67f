"""Code blocks of a documentation file: Markdown fences and reStructuredText literals.

A block is found by its document and a key: its first non-blank line, stripped, with
`` #2``, `` #3``... appended when an earlier block of the same document starts with the
same line. Keys stay stable when a sample's body is edited, and read like the sample.

Markdown: fenced blocks (```` ```lang ````). reStructuredText: ``.. code-block:: lang``
(also ``code`` and ``sourcecode``), literal blocks introduced by ``::`` (language
``""``), and doctest paragraphs starting with ``>>>`` (language ``"pycon"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Block", "blocks_of", "commands", "markdown_blocks", "rst_blocks", "transcript"]

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_CODE_DIRECTIVE = re.compile(
    r"^(?P<indent>\s*)\.\. (?:code-block|code|sourcecode)::\s*(?P<lang>\S*)"
)
_DIRECTIVE = re.compile(r"^\s*\.\. [\w:-]+::")


@dataclass(frozen=True)
class Block:
    """One code block: where it is, its language and its text (dedented)."""

    document: str
    language: str
    key: str
    text: str
    #: 1-based line of the block's first line of code in the document.
    line: int

    def __str__(self) -> str:
        return f"{self.document}:{self.line} [{self.language or 'literal'}] {self.key!r}"


def blocks_of(path: Path, name: str | None = None) -> list[Block]:
    """Every code block of the Markdown (``.md``, also ``.md.txt``) or reStructuredText
    (``.rst``) file."""
    document = name or path.name
    lines = path.read_text(encoding="utf-8").splitlines()
    found = markdown_blocks(lines) if ".md" in path.suffixes else rst_blocks(lines)
    return _keyed(document, found)


def markdown_blocks(lines: list[str]) -> list[tuple[str, int, list[str]]]:
    """``(language, first line, lines)`` of each fenced block."""
    found: list[tuple[str, int, list[str]]] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence = opening["fence"]
        language = opening["info"].strip().split(" ")[0].lower()
        body: list[str] = []
        index += 1
        start = index + 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index])
            index += 1
        found.append((language, start, body))
        index += 1
    return found


def rst_blocks(lines: list[str]) -> list[tuple[str, int, list[str]]]:
    """``(language, first line, lines)`` of each code-block, literal block and doctest."""
    found: list[tuple[str, int, list[str]]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = _CODE_DIRECTIVE.match(line)
        if directive is not None:
            index = _indented(lines, index + 1, len(directive["indent"]), found, directive["lang"])
            continue
        if line.rstrip().endswith("::") and not _DIRECTIVE.match(line):
            indent = len(line) - len(line.lstrip())
            index = _indented(lines, index + 1, indent, found, "")
            continue
        if line.lstrip().startswith(">>>"):
            start = index
            while index < len(lines) and lines[index].strip():
                index += 1
            found.append(("pycon", start + 1, lines[start:index]))
            continue
        index += 1
    return found


def _indented(
    lines: list[str],
    index: int,
    indent: int,
    found: list[tuple[str, int, list[str]]],
    language: str,
) -> int:
    """Collect the block indented deeper than ``indent`` that starts after ``index``
    (skipping directive options and blank lines); returns the index after it."""
    while index < len(lines) and (not lines[index].strip() or lines[index].strip().startswith(":")):
        if lines[index].strip() and _depth(lines[index]) <= indent:
            return index
        index += 1
    start = index
    body: list[str] = []
    while index < len(lines) and (not lines[index].strip() or _depth(lines[index]) > indent):
        body.append(lines[index])
        index += 1
    while body and not body[-1].strip():
        body.pop()
    if body:
        found.append((language, start + 1, body))
    return index


def _depth(line: str) -> int:
    return len(line) - len(line.lstrip())


def _keyed(document: str, found: list[tuple[str, int, list[str]]]) -> list[Block]:
    blocks: list[Block] = []
    seen: dict[str, int] = {}
    for language, line, body in found:
        text = _dedent(body)
        first = next((row.strip() for row in text.splitlines() if row.strip()), "")
        seen[first] = seen.get(first, 0) + 1
        key = first if seen[first] == 1 else f"{first} #{seen[first]}"
        offset = next((n for n, row in enumerate(body) if row.strip()), 0)
        blocks.append(Block(document, language, key, text, line + offset))
    return blocks


def _dedent(body: list[str]) -> str:
    depth = min((_depth(row) for row in body if row.strip()), default=0)
    return "\n".join(row[depth:] for row in body).strip("\n") + "\n"


def commands(block: Block) -> list[str]:
    """The shell commands of a ``bash``/``console`` block, comments removed.

    ``console`` blocks: the lines after a ``$`` prompt (output lines are skipped);
    ``bash`` blocks: every line that is not a comment. A trailing backslash joins lines.
    """
    prompted = block.language == "console"
    result: list[str] = []
    pending = ""
    for raw in block.text.splitlines():
        line = raw.strip()
        if pending:
            line = pending + " " + line
            pending = ""
        elif prompted:
            if not line.startswith("$ "):
                continue
            line = line[2:]
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending = line[:-1].strip()
            continue
        result.append(_without_comment(line))
    return result


def _without_comment(line: str) -> str:
    """Drop a trailing ``# comment`` outside quotes."""
    quote = ""
    for position, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (position == 0 or line[position - 1].isspace()):
            return line[:position].rstrip()
    return line


def transcript(block: Block) -> list[tuple[str, list[str]]]:
    """A ``console`` block as ``(command, output lines)`` pairs: what each ``$`` line
    prints, as the block shows it."""
    pairs: list[tuple[str, list[str]]] = []
    continued = False
    for raw in block.text.splitlines():
        if raw.startswith("$ ") or continued:
            line = _without_comment(raw.removeprefix("$ ").strip())
            continued = line.endswith("\\")
            line = line.removesuffix("\\").strip()
            if raw.startswith("$ "):
                pairs.append((line, []))
            else:
                pairs[-1] = (f"{pairs[-1][0]} {line}", pairs[-1][1])
        elif pairs and raw.strip():
            pairs[-1][1].append(raw.rstrip())
    return pairs
