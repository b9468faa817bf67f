"""The extractor finds every kind of code block the documents use, keys them stably and
reads their shell commands as a shell would."""

from __future__ import annotations

from pathlib import Path

from .blocks import Block, blocks_of, commands, transcript

MARKDOWN = """\
# Title

```python
app = 1
```

Text.

```bash
uv sync --extra all   # comment
granian --reload \\
    app:app
```

```
uv sync --extra all   # comment
```
"""

RST = """\
Page
====

.. code-block:: python
   :caption: a caption

   import msgspec

   class A(msgspec.Struct):
       x: int

.. note::

   Not a code block.

A log line::

    template 'a.html' is rendered by Jinja2

.. code-block:: console

   $ gobstopper version | grep "rust core"   # which one
   rust core  rust 0.6.0
   $ curl -X POST localhost:8000/users \\
       -d '{"a": 1}'
   {"ok":true}

>>> 1 + 1
2
"""


def _blocks(tmp_path: Path, name: str, text: str) -> list[Block]:
    (tmp_path / name).write_text(text)
    return blocks_of(tmp_path / name)


def test_markdown_fences_are_keyed_by_their_first_line(tmp_path: Path) -> None:
    found = _blocks(tmp_path, "README.md", MARKDOWN)
    assert [(b.language, b.key, b.line) for b in found] == [
        ("python", "app = 1", 4),
        ("bash", "uv sync --extra all   # comment", 10),
        ("", "uv sync --extra all   # comment #2", 16),
    ]
    assert commands(found[1]) == ["uv sync --extra all", "granian --reload app:app"]


def test_rst_code_blocks_literals_and_doctests(tmp_path: Path) -> None:
    found = _blocks(tmp_path, "page.rst", RST)
    assert [(b.language, b.key, b.line) for b in found] == [
        ("python", "import msgspec", 7),
        ("", "template 'a.html' is rendered by Jinja2", 18),
        ("console", '$ gobstopper version | grep "rust core"   # which one', 22),
        ("pycon", ">>> 1 + 1", 28),
    ]
    assert found[0].text == "import msgspec\n\nclass A(msgspec.Struct):\n    x: int\n"


def test_console_transcripts_pair_commands_with_their_output(tmp_path: Path) -> None:
    console = _blocks(tmp_path, "page.rst", RST)[2]
    assert transcript(console) == [
        ('gobstopper version | grep "rust core"', ["rust core  rust 0.6.0"]),
        ("curl -X POST localhost:8000/users -d '{\"a\": 1}'", ['{"ok":true}']),
    ]
    assert commands(console) == [
        'gobstopper version | grep "rust core"',
        "curl -X POST localhost:8000/users -d '{\"a\": 1}'",
    ]
