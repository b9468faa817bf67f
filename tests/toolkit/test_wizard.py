"""The ``gobstopper init`` wizard driven through a pseudo-terminal: answers typed, choices
picked with the arrow keys, the summary confirmed, the project created."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pexpect

from gobstopper_toolkit.questions import template_questions

DOWN = "\x1b[B"


def _spawn(directory: Path) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "gobstopper", "init"],
        cwd=str(directory),
        env={
            "TERM": "xterm",
            "PATH": "/usr/bin:/bin",
            "HOME": str(directory),
            "PROMPT_TOOLKIT_NO_CPR": "1",  # no cursor-position round trips to wait for
        },
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )


def test_the_wizard_asks_summarises_and_creates_the_project(tmp_path: Path) -> None:
    wizard = _spawn(tmp_path)
    wizard.expect("Project name")
    wizard.send("\x15")  # clear the default
    wizard.sendline("inventory")
    wizard.expect("Python package name")
    wizard.sendline("")  # take the default, inventory
    wizard.expect("One-line description")
    wizard.send("\x15")
    wizard.sendline("Stock levels")
    wizard.expect("Author")
    wizard.sendline("Ada")
    wizard.expect("Use case")
    wizard.send("\r")  # microservice
    wizard.expect("Project structure")
    wizard.send(DOWN + "\r")  # blueprints
    wizard.expect("Session store")
    wizard.send("\r")
    wizard.expect("Background task store")
    wizard.send("\r")
    wizard.expect("Serve with the Rust accelerators")
    wizard.sendline("")  # take the default, no
    wizard.expect("How services find each other")
    wizard.send("\r")
    wizard.expect("git repository")
    wizard.sendline("n")
    wizard.expect("New Gobstopper project")
    wizard.expect("Create it")
    wizard.sendline("y")
    wizard.expect("created")
    wizard.expect(pexpect.EOF)
    wizard.close()
    assert wizard.exitstatus == 0, wizard.before

    project = tmp_path / "inventory"
    answers = (project / ".copier-answers.yml").read_text()
    for line in (
        "structure: blueprints",
        "author: Ada",
        "description: Stock levels",
        "rust_core: false",
        "discovery: static",
    ):
        assert line in answers
    assert (project / "blueprints" / "main.py").is_file()
    assert not (project / ".git").exists()


def _refusal(name: str, value: str) -> str:
    """The start of what copier.yml's validator says about ``value``, as the wizard
    shows it."""
    problem = template_questions().problem(name, {name: value})
    assert problem is not None
    return re.escape(problem[:24])


def test_bad_names_are_refused_as_copier_refuses_them_and_cancel_writes_nothing(
    tmp_path: Path,
) -> None:
    wizard = _spawn(tmp_path)
    wizard.expect("Project name")
    wizard.send("\x15")
    wizard.sendline("9lives")
    wizard.expect(_refusal("project_name", "9lives"))
    wizard.send("\x15")
    wizard.sendline("cafe")
    wizard.expect("Python package name")
    wizard.send("\x15")
    wizard.sendline("café")
    wizard.expect(_refusal("package_name", "café"))
    wizard.send("\x03")  # Ctrl-C
    wizard.expect("cancelled; nothing written")
    wizard.expect(pexpect.EOF)
    wizard.close()
    assert wizard.exitstatus == 1
    assert list(tmp_path.iterdir()) == []
