#!/usr/bin/env bash
# Runs every suite; exits non-zero on any failure. Called by `make test` (and so by .ci/run).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

pg_url=$(scripts/postgres.sh start) || { echo "run-tests: PostgreSQL did not start" >&2; exit 1; }
trap 'scripts/postgres.sh stop' EXIT
export RA_TEST_POSTGRES_URL="$pg_url"
# Every test runs: a missing service or browser fails the run instead of skipping.
export RA_TESTS_REQUIRE_ALL=1

status=0
echo "== ruff"
$BIN/ruff check . || status=1
echo "== pytest (unit, integration, browser, reliability)"
$BIN/python -m pytest -q -p no:cacheprovider tests || status=1
if compgen -G "tests/node/*.test.mjs" >/dev/null; then
  echo "== node --test"
  node --test tests/node/ || status=1
fi
exit $status
