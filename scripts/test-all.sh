#!/usr/bin/env bash
# Runs every test suite: unit (ctest), store contract on SQLite and on a
# throwaway PostgreSQL cluster, API tests against a real server, browser.
# Prints one closing line "N passed, N failed" over all suites.
set -uo pipefail
cd "$(dirname "$0")/.."
PRESET=${PRESET:-release}
BUILD_DIR=build/$PRESET
export XQ_BIN=$PWD/$BUILD_DIR/bin/xinqiao
export XQ_SOURCE_DIR=$PWD
passed=0
failed=0
failed_names=()

suite() {  # suite NAME CMD...
  local name=$1
  shift
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failed_names+=("$name")
  fi
}

pg_cleanup() { [ -n "${PG_STOP:-}" ] && eval "$PG_STOP" >/dev/null 2>&1 || true; }
trap pg_cleanup EXIT

suite "unit tests (ctest)" ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 --timeout 300

# Throwaway PostgreSQL cluster for the contract suite and the API tests.
if eval "$(bash scripts/pg-throwaway.sh start)"; then
  export XQ_TEST_PG_URL
  suite "store contract on PostgreSQL" env XQ_TEST_PG_URL="$XQ_TEST_PG_URL" \
    "$BUILD_DIR/bin/contract_test" --gtest_brief=1 --gtest_filter="*postgresql*"
else
  failed=$((failed + 1))
  failed_names+=("postgresql cluster start")
fi

if ls tests/api/*.test.mjs >/dev/null 2>&1; then
  suite "API tests (SQLite)" node --test --test-concurrency=1 tests/api/
  if [ -n "${XQ_TEST_PG_URL:-}" ]; then
    suite "API tests (PostgreSQL)" env XQ_TEST_DB_KIND=postgresql node --test --test-concurrency=1 tests/api/
  fi
fi
if ls tests/e2e/*.test.mjs >/dev/null 2>&1; then
  suite "browser tests" node --test --test-concurrency=1 tests/e2e/
fi

echo
if [ $failed -gt 0 ]; then echo "failed suites: ${failed_names[*]}"; fi
echo "suites: $passed passed, $failed failed"
[ $failed -eq 0 ]
