"""The command line: configuration files, Granian arguments, errors and ``version``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from gobstopper.cli import build_parser, main
from gobstopper.cli.config import ConfigError, RunConfig
from gobstopper.cli.run import RunError, granian_arguments, resolve_app_target, resolve_config


def parse(*argv: str):
    return build_parser().parse_args(["run", *argv])


def test_flags_override_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "dev.toml").write_text('port = 9000\nworkers = 2\nhost = "0.0.0.0"\n')
    config = resolve_config(parse("--config", "dev", "-p", "9100"), tmp_path)
    assert (config.port, config.workers, config.host) == (9100, 2, "0.0.0.0")


def test_json_config_is_read_too(tmp_path: Path) -> None:
    (tmp_path / "production.json").write_text('{"workers": 4, "env": {"ENV": "production"}}')
    config = resolve_config(parse("--config", "production"), tmp_path)
    assert config.workers == 4
    assert config.env == {"ENV": "production"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("prot = 1\n", "unknown field `prot`"),
        ('port = "eighty"\n', "Expected `int`, got `str` - at `$.port`"),
        ("workers = 0\n", "workers must be at least 1"),
        ("port = [\n", "dev.toml"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "dev.toml").write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        resolve_config(parse("--config", "dev"), tmp_path)


def test_missing_config_names_what_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"neither staging.toml nor staging.json"):
        resolve_config(parse("--config", "staging"), tmp_path)


def test_app_target_defaults_to_app_py(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("app = None\n")
    assert resolve_app_target(None, tmp_path) == "app:app"
    assert resolve_app_target("app.py", tmp_path) == "app:app"


def test_missing_app_module_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RunError, match=r"no APP given and no app\.py"):
        resolve_app_target(None, tmp_path)
    with pytest.raises(RunError, match="cannot find module 'nope'"):
        resolve_app_target("nope:app", tmp_path)


def test_granian_gets_rsgi_and_the_tuned_defaults(tmp_path: Path) -> None:
    arguments = granian_arguments(RunConfig(port=8123, workers=3), "app:app", tmp_path)
    joined = " ".join(arguments)
    assert "--interface rsgi" in joined
    assert "--port 8123" in joined
    assert "--workers 3" in joined
    assert "--log-level error" in joined
    assert "--backlog 16384" in joined
    assert "--respawn-failed-workers" in arguments
    assert arguments[arguments.index("--runtime-mode") + 1] in ("st", "mt")
    assert arguments[arguments.index("--loop") + 1] in ("rloop", "asyncio")
    assert arguments[-1] == "app:app"


def test_run_with_bad_config_exits_non_zero(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "dev.toml").write_text("bogus = true\n")
    (tmp_path / "app.py").write_text("")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--config", "dev"]) == 2
    assert "unknown field `bogus`" in capsys.readouterr().err


def test_version_reports_versions_and_rust_core() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gobstopper", "version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("gobstopper 0.6.0")
    assert "granian" in result.stdout
    assert "rust core" in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["--help"],
        ["run", "--help"],
        ["version", "--help"],
        ["run-tasks", "--help"],
        ["cleanup-tasks", "--help"],
        ["init", "--help"],
        ["generate", "--help"],
        ["generate", "endpoint", "--help"],
        ["upgrade", "--help"],
    ],
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gobstopper", *command], capture_output=True, text=True, check=True
    )
    assert "example" in result.stdout


def test_no_command_prints_usage_and_fails(capsys) -> None:
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err


def test_the_event_loop_can_be_chosen(tmp_path: Path) -> None:
    arguments = granian_arguments(RunConfig(loop="asyncio"), "app:app", tmp_path)
    assert arguments[arguments.index("--loop") + 1] == "asyncio"
    args = parse("--loop", "asyncio")
    assert resolve_config(args, tmp_path).loop == "asyncio"


def test_an_unknown_event_loop_is_refused(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        parse("--loop", "trio")
    assert exited.value.code == 2
    assert "invalid choice: 'trio'" in capsys.readouterr().err


def test_without_the_cli_extra_toolkit_commands_name_it_and_runtime_commands_work() -> None:
    hide_yaml = "import sys; sys.modules['yaml'] = None; from gobstopper.cli import main; "
    command = [sys.executable, "-c", hide_yaml + "sys.exit(main(sys.argv[1:]))"]
    version = subprocess.run([*command, "version"], capture_output=True, text=True)
    assert version.returncode == 0
    assert version.stdout.startswith("gobstopper 0.6.0")
    init = subprocess.run([*command, "init", "shop", "--defaults"], capture_output=True, text=True)
    assert init.returncode == 2
    assert "needs 'yaml'" in init.stderr
    assert 'pip install "gobstopper[cli]"' in init.stderr
