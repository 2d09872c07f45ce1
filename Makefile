# Recall Assistant — the two commands: `make demo` and `make test`.
# Everything else is a helper for them (or for developers).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 3000
HOST   ?= 127.0.0.1

.PHONY: demo test venv system-deps lint bench clean

## demo: set everything up and serve the task pane against the sandbox tenant on https://localhost:$(PORT)/demo
demo: venv
	$(BIN)/recall-assistant demo --host $(HOST) --port $(PORT)

## test: install what the tests need (pip, Debian chromium + postgresql), start PostgreSQL, run every suite
test: venv system-deps
	scripts/run-tests.sh

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

system-deps:
	scripts/install-system-deps.sh

lint: venv
	$(BIN)/ruff check .

## bench: performance figures, printed as JSON (one object per benchmark)
bench: venv
	@for script in benchmarks/*.py; do \
	  echo "# $$script" >&2; $(BIN)/python $$script || exit 1; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info backend/*.egg-info
