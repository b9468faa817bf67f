"""The reference README (Gobstopper 0.5.2's, the one users know) and what the conformance
tests do with each of its code blocks.

``fixtures/gobstopper-README.md.txt`` is a byte-for-byte copy of
``/work/shared/reference/gobstopper-README.md`` (``.txt``, so that ruff, which formats the
Python blocks of ``.md`` files, leaves it as users read it). Its Python samples run in
test_reference_readme.py, its commands in test_reference_readme_commands.py; prose about
build scripts, hosting, docs folders and benchmark figures is not a contract.
"""

from __future__ import annotations

from pathlib import Path

from .ledger import Ledger

__all__ = [
    "APPLICATION",
    "BENCHMARK_EXAMPLE",
    "BLUEPRINTS_DEMO",
    "CONVENIENCE",
    "CORE",
    "DATA_EXAMPLE",
    "DEMO",
    "DEVELOPMENT",
    "GENERATE",
    "INIT",
    "INSTALL",
    "JSON_CONFIG",
    "LEDGER",
    "QUICK_START",
    "RATE_LIMIT",
    "RUNNING",
    "SHARED_COPY",
    "SIMPLE",
    "TASKS",
    "TEMPLATES",
    "TOML_CONFIG",
    "UPLOADS",
    "WEBSOCKET",
]

SHARED_COPY = Path("/work/shared/reference/gobstopper-README.md")
LEDGER = Ledger(
    Path(__file__).resolve().parent / "fixtures" / "gobstopper-README.md.txt", "reference README"
)

SIMPLE = LEDGER.run("from gobstopper import Gobstopper, Request, jsonify")
APPLICATION = LEDGER.run("from gobstopper import Gobstopper")
TASKS = LEDGER.run('@app.task("send_email", "notifications")')
WEBSOCKET = LEDGER.run('@app.websocket("/ws/chat")')
TEMPLATES = LEDGER.run('@app.get("/")')
UPLOADS = LEDGER.run("from gobstopper import FileStorage, secure_filename, send_from_directory")
CONVENIENCE = LEDGER.run("from gobstopper import abort, make_response, notification")
RATE_LIMIT = LEDGER.run("from gobstopper.utils.rate_limiter import TokenBucketLimiter, rate_limit")
INSTALL = LEDGER.run("# Basic installation (core framework only)")
QUICK_START = LEDGER.run("# Install Gobstopper with CLI tools")
DEMO = LEDGER.run("uv sync --extra all")
BLUEPRINTS_DEMO = LEDGER.run("uv sync --extra all #2")
DATA_EXAMPLE = LEDGER.run("granian --interface rsgi --reload data_example:app")
BENCHMARK_EXAMPLE = LEDGER.run(
    "granian --interface rsgi --workers 4 --threads 2 benchmark_simple:app"
)
RUNNING = LEDGER.run("# Basic usage (Flask-like interface)")
JSON_CONFIG = LEDGER.run("{")
TOML_CONFIG = LEDGER.run("# production.toml")
INIT = LEDGER.run("# Interactive project setup")
GENERATE = LEDGER.run("# Generate data models with type hints")
DEVELOPMENT = LEDGER.run("# Run background task workers")
CORE = LEDGER.run(
    "python -c \"import gobstopper._core as core; print('Symbols:', "
    "[s for s in dir(core) if not s.startswith('_')][:20])\""
)

LEDGER.not_a_contract(
    "🧪 Testing Gobstopper Benchmark Endpoints",
    "0.5.2's benchmark output, not a measurement; make bench measures this project",
)
LEDGER.not_a_contract(
    "src/gobstopper/",
    "0.5.2's source tree; the import paths users write are run by the Python samples",
)
LEDGER.not_a_contract(
    "my_app/", "an illustration; what init generates is run by INIT and tests/toolkit"
)
LEDGER.not_a_contract(
    "my_app/ #2", "an illustration; what init generates is run by INIT and tests/toolkit"
)
LEDGER.not_a_contract(
    "# Install dev dependencies", "0.5.2's contributor tooling (black, mypy src/), not the API"
)
LEDGER.not_a_contract("./build_docs.sh", "0.5.2's docs build script; here: make docs")
LEDGER.not_a_contract("cd sphinx-docs", "0.5.2's docs folder and live preview; here: make docs")
LEDGER.not_a_contract(
    "# Install build dependencies",
    "0.5.2's wheel build scripts; here the Rust core builds with maturin from rust/",
)
LEDGER.not_a_contract(
    "🚀 Found Rust extensions, using high-performance router.",
    "0.5.2's log lines; this project logs 'implementation: rust X' (docs/migrating.rst)",
)
