"""Every code sample of docs/cli.rst runs: the project commands as ``gobstopper``
commands and through ``CliRunner``, the configuration, shell completion and a command
added through an entry point. A block that no test here runs fails the first test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import msgspec
import pytest
from click.testing import CliRunner

from gobstopper.cli.config import load_run_config

CLI_RST = Path(__file__).resolve().parents[2] / "docs" / "cli.rst"
BIN = Path(sys.executable).parent
PATH = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
_CODE_BLOCK = re.compile(r"^\.\. code-block:: \w+\n\n((?:(?:   .*)?\n)+)", re.MULTILINE)


def _blocks() -> dict[str, str]:
    """The page's code blocks by their first line (`` #2`` when one repeats it)."""
    found: dict[str, str] = {}
    for match in _CODE_BLOCK.finditer(CLI_RST.read_text()):
        text = "\n".join(line[3:] for line in match.group(1).splitlines()).strip() + "\n"
        first = text.splitlines()[0]
        found[first if first not in found else f"{first} #2"] = text
    return found


BLOCKS = _blocks()
APP = "import click"
CONSOLE = "$ gobstopper create-admin ada@example.com"
TEST = "from click.testing import CliRunner"
CONFIG = "# production.toml"
COMPLETION = '$ eval "$(_GOBSTOPPER_COMPLETE=bash_source gobstopper)"'
ENTRY_POINT = '[project.entry-points."gobstopper.commands"]'
PLUGIN = "import click #2"


def test_every_block_of_the_page_is_run_here() -> None:
    assert list(BLOCKS) == [APP, CONSOLE, TEST, CONFIG, COMPLETION, ENTRY_POINT, PLUGIN]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory whose app.py is the page's project-command sample."""
    (tmp_path / "app.py").write_text(BLOCKS[APP])
    return tmp_path


def test_the_console_sample_prints_what_the_page_shows(project: Path) -> None:
    transcript = BLOCKS[CONSOLE].splitlines()
    pairs = [
        (line.removeprefix("$ "), transcript[index + 1])
        for index, line in enumerate(transcript)
        if line.startswith("$ ")
    ]
    assert len(pairs) == 2
    for command, output in pairs:
        done = subprocess.run(
            command,
            shell=True,
            cwd=project,
            env=PATH,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == output + "\n"


def test_the_cli_runner_sample_passes(project: Path) -> None:
    namespace: dict[str, Any] = {"__name__": "docs_app"}
    exec(compile(BLOCKS[APP], str(CLI_RST), "exec"), namespace)
    exec(compile(BLOCKS[TEST], str(CLI_RST), "exec"), namespace)
    namespace["test_create_admin"]()


def test_the_production_config_reads_no_env_file(tmp_path: Path) -> None:
    path = tmp_path / "production.toml"
    path.write_text(BLOCKS[CONFIG])
    config = load_run_config(path)
    assert config.env_file is False
    assert (config.host, config.port, config.workers) == ("0.0.0.0", 8080, 4)
    assert config.env == {"ENV": "production"}


def test_the_completion_lines_install_completion_in_bash(tmp_path: Path) -> None:
    bash, zsh = [line.removeprefix("$ ") for line in BLOCKS[COMPLETION].splitlines()]
    done = subprocess.run(
        ["bash", "-c", f"{bash} && complete -p gobstopper"],
        env=PATH,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "complete -o nosort -F _gobstopper_completion gobstopper"
    script = re.fullmatch(r'eval "\$\((.*)\)"', zsh)
    assert script is not None
    sourced = subprocess.run(
        script.group(1),
        shell=True,
        env=PATH,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sourced.stdout.startswith("#compdef gobstopper")


def test_a_plugin_registers_its_command_through_the_entry_point() -> None:
    table = msgspec.toml.decode(BLOCKS[ENTRY_POINT])
    assert table["project"]["entry-points"]["gobstopper.commands"] == {
        "deploy": "gobstopper_deploy.cli:register"
    }
    namespace: dict[str, Any] = {"__name__": "gobstopper_deploy.cli"}
    exec(compile(BLOCKS[PLUGIN], str(CLI_RST), "exec"), namespace)
    group = click.Group("gobstopper")
    namespace["register"](group)
    result = CliRunner().invoke(group, ["deploy", "staging"])
    assert result.exit_code == 0
    assert result.stdout == "deploying to staging\n"
