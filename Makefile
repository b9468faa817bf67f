# The commands the README promises. Each installs what it needs itself.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PORT ?= 8000
DIST ?= dist
DOCS_BUILD := docs/_build/html
# The tests of the runtime, run a second time on the pure-Python path (the toolkit's
# own tests do not touch the accelerated components).
RUNTIME_TESTS := tests/unit tests/integration tests/services tests/parity tests/examples \
	tests/e2e/test_example_app_browser.py tests/e2e/test_docs_browser.py

.PHONY: help uv sync wheels browser demo test lint rust-check format docs unit bench tfb-db bench-tfb clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

uv: ## Install uv (from PyPI) if it is missing
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --user --quiet uv \
		|| python3 -m pip install --user --quiet --break-system-packages uv
	@$(UV) --version

sync: uv ## Create .venv with every extra (the Rust core built from rust/ with cargo) and the test tools
	$(UV) sync --frozen --all-extras
	$(UV) run --frozen python -c "import gobstopper._core"

wheels: uv ## Build the gobstopper and gobstopper-core (cargo) wheels into dist/ (or DIST=folder): the core for this CPython, and for any CPython 3.10+ (abi3)
	$(UV) build --wheel -q -o $(DIST)
	$(UV) build --wheel -q -o $(DIST) rust
	MATURIN_PEP517_ARGS="--features pyo3/abi3-py310" $(UV) build --wheel -q -o $(DIST) rust
	@ls $(DIST)/*.whl

demo: sync ## Serve the example app on http://127.0.0.1:$(PORT) (embedded defaults)
	cd examples && $(UV) run --frozen gobstopper run example_app:app -p $(PORT) --log-level info

lint: sync ## ruff check and ruff format --check
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

rust-check: sync ## cargo fmt --check, clippy with warnings as errors, cargo test
	cd rust && cargo fmt --check
	cd rust && PYO3_PYTHON=$(CURDIR)/.venv/bin/python cargo clippy --locked --all-targets -- -D warnings
	cd rust && PYO3_PYTHON=$(CURDIR)/.venv/bin/python cargo test --locked

format: sync ## Apply ruff's and rustfmt's formatting and ruff's safe fixes
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .
	cd rust && cargo fmt

docs: sync ## Build the Sphinx docs, warnings as errors
	$(UV) run --frozen sphinx-build -W --keep-going -q -b html docs $(DOCS_BUILD)

unit: sync ## Fast in-process tests only
	$(UV) run --frozen pytest tests/unit

browser: ## Install Debian's Chromium for the browser tests (needs root; skipped otherwise)
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] \
		&& { apt-get update -qq && apt-get install -y -qq chromium; } \
		|| echo "chromium missing and not root: browser tests will be skipped"; }

# Every pass runs even when another fails, and any failing fails the target; the
# toolkit's tests run beside the others (scripts/run-tests.sh).
test: lint docs browser rust-check ## Everything CI runs: lint, docs, Rust checks, the suite; the runtime's tests again without the Rust core
	UV=$(UV) RUNTIME_TESTS="$(RUNTIME_TESTS)" bash scripts/run-tests.sh

bench: sync ## wrk benchmark, server and wrk pinned to a core each: ratios to bare RSGI, Emmett and Starlette beside (installs wrk, valgrind)
	@command -v wrk >/dev/null 2>&1 && command -v valgrind >/dev/null 2>&1 \
		|| { apt-get update -qq && apt-get install -y -qq wrk valgrind; }
	$(UV) run --frozen python benchmarks/router.py
	$(UV) run --frozen python benchmarks/overhead.py
	$(UV) run --frozen python benchmarks/instructions.py
	$(UV) run --frozen python benchmarks/server_instructions.py
	UV=$(UV) $(UV) run --frozen python benchmarks/run.py
	UV=$(UV) $(UV) run --frozen python benchmarks/steadiness.py
	$(UV) run --frozen python benchmarks/upload_memory.py --mib 1024
	$(UV) run --frozen python benchmarks/ws_broadcast.py --clients 1000
	$(UV) run --frozen python benchmarks/dashboard.py --clients 1000 --seconds 20
	$(UV) run --frozen python benchmarks/sessions.py
	$(UV) venv -q --allow-existing /tmp/gobstopper-task-anchors && VIRTUAL_ENV=/tmp/gobstopper-task-anchors $(UV) pip install -q arq huey
	$(UV) run --frozen python benchmarks/tasks.py --anchor-python /tmp/gobstopper-task-anchors/bin/python

tfb-db: sync ## Create and seed TechEmpower's World and Fortune tables (DATABASE_URL, default the local test database)
	$(UV) run --frozen python benchmarks/tfb/setup_db.py

bench-tfb: sync tfb-db ## TechEmpower test types on PostgreSQL: verify, then wrk Gobstopper and Emmett side by side (installs wrk)
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	UV=$(UV) $(UV) run --frozen python benchmarks/tfb/run.py --duration 3 --rounds 3

clean: ## Remove build and test artefacts
	rm -rf $(DOCS_BUILD) dist .pytest_cache .ruff_cache .hypothesis benchmarks/results rust/target
