# Recall Assistant — the two commands: `make demo` and `make test`.
# Everything else is a helper for them (or for developers).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.package-lock.json
PORT   ?= 3000
HOST   ?= 127.0.0.1

.PHONY: demo test venv system-deps node-deps lint bench clean

## demo: set everything up and serve the task pane against the sandbox tenant on https://localhost:$(PORT)/demo
demo: venv
	$(BIN)/recall-assistant demo --host $(HOST) --port $(PORT)

## test: install what the tests need (pip, npm, Debian chromium + postgresql), start PostgreSQL, run every suite
test: venv system-deps node-deps
	scripts/run-tests.sh

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

system-deps:
	scripts/install-system-deps.sh

# The tests' npm tools, pinned in package-lock.json: the unified manifest validator and the
# Office.js mock of the on-send handler's tests.
node-deps: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

lint: venv
	$(BIN)/ruff check .

## bench: performance and reliability figures, printed as JSON (one object per benchmark; every one runs, a failed one fails the target at the end)
bench: venv
	@status=0; for script in $$(ls benchmarks/*.py | grep -v __init__); do \
	  module=$$(basename $$script .py); echo "# benchmarks.$$module" >&2; \
	  $(BIN)/python -m benchmarks.$$module || status=1; \
	done; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info backend/*.egg-info node_modules
