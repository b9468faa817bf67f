"""The command line: configuration files, Granian arguments, errors, ``version``, the
``.env`` file, the address ``run`` prints, and shell completion."""

from __future__ import annotations

import importlib.metadata
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from gobstopper.cli import cli, main
from gobstopper.cli.config import ConfigError, RunConfig
from gobstopper.cli.run import (
    RunError,
    check_port_free,
    granian_arguments,
    resolve_app_target,
    resolve_config,
    run,
    url_to_open,
)
from gobstopper.cli.version import installed_extras

from ..conftest import Server


def config_of(directory: Path, *argv: str) -> RunConfig:
    """What ``gobstopper run ARGV`` resolves to in ``directory``, parsed by click."""
    options = dict(run.make_context("run", list(argv)).params)
    return resolve_config(options, directory, options.pop("config"))


def test_flags_override_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "dev.toml").write_text('port = 9000\nworkers = 2\nhost = "0.0.0.0"\n')
    config = config_of(tmp_path, "--config", "dev", "-p", "9100")
    assert (config.port, config.workers, config.host) == (9100, 2, "0.0.0.0")


def test_json_config_is_read_too(tmp_path: Path) -> None:
    (tmp_path / "production.json").write_text('{"workers": 4, "env": {"ENV": "production"}}')
    config = config_of(tmp_path, "--config", "production")
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
        config_of(tmp_path, "--config", "dev")


def test_missing_config_names_what_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"neither staging.toml nor staging.json"):
        config_of(tmp_path, "--config", "staging")


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


@pytest.fixture
def granian_never_starts(monkeypatch) -> None:
    """Fail the test should ``gobstopper run`` go on to start Granian, which would
    replace this process."""

    def serve_nothing(*arguments: object) -> None:
        raise AssertionError("gobstopper run went on to start Granian")

    monkeypatch.setattr(os, "execve", serve_nothing)


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.usefixtures("granian_never_starts")
def test_an_app_that_fails_to_import_is_a_clear_error_before_serving(
    tmp_path: Path, monkeypatch, capsys, workers: str
) -> None:
    (tmp_path / "needs_redis_app.py").write_text(
        "raise RuntimeError('the ingest service needs APP_DASH_REDIS_URL')\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["run", "needs_redis_app.py", "-w", workers]) == 2
    error = capsys.readouterr().err
    assert (
        "importing 'needs_redis_app' failed: RuntimeError: the ingest service needs "
        "APP_DASH_REDIS_URL" in error
    )


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
    assert re.search(r"Examples?:\n +(pip install .*&& )?gobstopper ", result.stdout)


def test_no_command_prints_usage_and_fails(capsys) -> None:
    assert main([]) == 2
    assert "Usage: gobstopper [OPTIONS] COMMAND" in capsys.readouterr().err


def test_the_event_loop_can_be_chosen(tmp_path: Path) -> None:
    arguments = granian_arguments(RunConfig(loop="asyncio"), "app:app", tmp_path)
    assert arguments[arguments.index("--loop") + 1] == "asyncio"
    assert config_of(tmp_path, "--loop", "asyncio").loop == "asyncio"


def test_an_unknown_event_loop_is_refused(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--loop", "trio"])
    assert exited.value.code == 2
    assert "invalid choice: 'trio' (choose from auto, asyncio, rloop)" in capsys.readouterr().err


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


@pytest.mark.parametrize(
    ("given", "target"),
    [
        ("app.py:app", "app:app"),
        ("app.py:api", "app:api"),
        ("./app.py", "app:app"),
        ("pkg/main.py:api", "pkg.main:api"),
        ("pkg.main:api", "pkg.main:api"),
    ],
)
def test_app_targets_may_name_the_file(tmp_path: Path, given: str, target: str) -> None:
    (tmp_path / "app.py").write_text("app = api = None\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "main.py").write_text("api = None\n")
    assert resolve_app_target(given, tmp_path) == target


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("0.0.0.0", "http://127.0.0.1:8000"),
        ("::", "http://[::1]:8000"),
        ("example.test", "http://example.test:8000"),
    ],
)
def test_the_address_to_open_reaches_a_wildcard_bind_through_loopback(host: str, url: str) -> None:
    assert url_to_open(RunConfig(host=host)) == url


ENV_APP = """\
import os
from gobstopper import Gobstopper

app = Gobstopper(__name__)


@app.get("/env")
async def env() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in ("FROM_DOTENV", "SET_TWICE", "FROM_CONFIG")}
"""


def test_run_prints_the_url_and_serves_dotenv_values_under_real_ones(
    serve: Callable[..., Server],
) -> None:
    server = serve(
        ENV_APP,
        "app.py:app",
        "--config",
        "dev",
        files={
            ".env": "FROM_DOTENV=dotenv\nSET_TWICE=dotenv\nFROM_CONFIG=dotenv\n",
            "dev.toml": '[env]\nFROM_CONFIG = "config"\n',
        },
        env={"SET_TWICE": "real"},
    )
    printed = server.log.read_text().splitlines()[0]
    assert printed == f"serving {server.url} (app:app, 1 worker, variables from .env)"
    answer = httpx.get(printed.split()[1] + "/env", timeout=10)
    assert answer.json() == {"FROM_DOTENV": "dotenv", "SET_TWICE": "real", "FROM_CONFIG": "config"}


def test_run_reads_no_env_file_when_told_not_to(serve: Callable[..., Server]) -> None:
    server = serve(
        ENV_APP,
        "--no-env-file",
        files={".env": "FROM_DOTENV=dotenv\n", "other.env": "SET_TWICE=other\n"},
    )
    assert httpx.get(server.url + "/env", timeout=10).json()["FROM_DOTENV"] is None
    assert "variables from" not in server.log.read_text().splitlines()[0]


def test_the_env_file_can_be_named_or_turned_off_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "production.toml").write_text("env_file = false\n")
    (tmp_path / "staging.toml").write_text('env_file = "staging.env"\n')
    assert config_of(tmp_path, "--config", "production").env_file is False
    assert config_of(tmp_path, "--config", "staging").env_file == "staging.env"
    named = config_of(tmp_path, "--config", "production", "--env-file", "x.env")
    assert named.env_file == "x.env"


def test_a_named_env_file_that_is_missing_is_refused(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "app.py").write_text("")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--env-file", "nope.env"]) == 2
    assert f"the env file {tmp_path / 'nope.env'} does not exist" in capsys.readouterr().err


def _without(missing: str) -> Callable[[str], str]:
    """``importlib.metadata.version`` as if the distribution ``missing`` were absent."""
    real = importlib.metadata.version

    def version(name: str) -> str:
        if name.lower() == missing:
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    return version


@pytest.mark.parametrize(
    ("missing", "extra", "other"), [("watchfiles", "dev", "speed"), ("rloop", "speed", "dev")]
)
def test_version_reports_an_extra_only_with_the_packages_it_brings(
    monkeypatch: pytest.MonkeyPatch, missing: str, extra: str, other: str
) -> None:
    assert {"dev", "speed"} <= set(installed_extras())
    monkeypatch.setattr(importlib.metadata, "version", _without(missing))
    extras = installed_extras()
    assert extra not in extras
    assert other in extras


def test_shell_completion_script_and_completions_come_from_click() -> None:
    script = subprocess.run(
        [sys.executable, "-m", "gobstopper"],
        env={**os.environ, "_GOBSTOPPER_COMPLETE": "bash_source"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "_gobstopper_completion()" in script.stdout
    assert "complete -o nosort -F _gobstopper_completion gobstopper" in script.stdout
    completed = subprocess.run(
        [sys.executable, "-m", "gobstopper"],
        env={
            **os.environ,
            "_GOBSTOPPER_COMPLETE": "bash_complete",
            "COMP_WORDS": "gobstopper run-",
            "COMP_CWORD": "1",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.split() == ["plain,run-tasks"]


def test_commands_run_in_process_through_click_runner() -> None:
    result = CliRunner().invoke(cli, ["version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("gobstopper 0.6.0\n")
    refused = CliRunner().invoke(cli, ["run", "--port", "eighty"])
    assert refused.exit_code == 2
    assert "'eighty' is not a valid integer" in refused.stderr


def _listener(reuse_port: bool) -> socket.socket:
    """A socket listening on a free loopback port, with SO_REUSEPORT as Granian binds."""
    listener = socket.socket()
    if reuse_port:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


@pytest.mark.parametrize("reuse_port", [True, False])
@pytest.mark.usefixtures("granian_never_starts")
def test_run_refuses_a_port_another_server_listens_on(
    tmp_path: Path, monkeypatch, capsys, reuse_port: bool
) -> None:
    (tmp_path / "app.py").write_text(
        "from gobstopper import Gobstopper\napp = Gobstopper(__name__)\n"
    )
    monkeypatch.chdir(tmp_path)
    with _listener(reuse_port) as busy:
        port = busy.getsockname()[1]
        assert main(["run", "-p", str(port)]) == 2
    assert f"port {port} is in use on 127.0.0.1" in capsys.readouterr().err


def test_a_port_whose_server_just_stopped_is_free() -> None:
    with _listener(reuse_port=True) as listener:
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()  # the server's side closes first and waits in TIME_WAIT
        client.close()
    check_port_free("127.0.0.1", port)
