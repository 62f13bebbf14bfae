#!/usr/bin/env bash
# Runs every test suite: the layering and format checks, unit (ctest: GoogleTest binaries and the SQLite half
# of the store contract), the store contract on a throwaway PostgreSQL
# cluster, a short kill -9 crash test, API tests against a real server
# (SQLite, then PostgreSQL), and browser tests. Ends with one line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
PRESET=${PRESET:-release}
BUILD_DIR=build/$PRESET
export XQ_BIN=$PWD/$BUILD_DIR/bin/xinqiao
export XQ_SOURCE_DIR=$PWD
LOG_DIR=$(mktemp -d /tmp/xq-test-logs.XXXXXX)
passed=0
failed=0
failed_suites=()

# tally LOGFILE: adds the suite's test counts to the totals.
tally() {
  local f=$1 p=0 x=0
  if grep -qE 'tests passed, [0-9]+ tests failed out of' "$f"; then  # ctest
    local line total
    line=$(grep -E 'tests passed, [0-9]+ tests failed out of' "$f" | tail -n1)
    x=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    p=$((total - x))
  elif grep -qE '^(# |ℹ )pass [0-9]+' "$f"; then  # node --test
    p=$(grep -E '^(# |ℹ )pass [0-9]+' "$f" | tail -n1 | grep -oE '[0-9]+$')
    x=$(grep -E '^(# |ℹ )fail [0-9]+' "$f" | tail -n1 | grep -oE '[0-9]+$')
  elif grep -qE '^\[  PASSED  \] [0-9]+ test' "$f"; then  # gtest
    p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$f" | tail -n1 | grep -oE '[0-9]+' | head -n1)
    x=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$f" | tail -n1 | grep -oE '[0-9]+' | head -n1)
  fi
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${x:-0}))
}

suite() {  # suite NAME CMD...
  local name=$1
  shift
  local log="$LOG_DIR/$(tr -c 'a-zA-Z0-9' '_' <<<"$name").log"
  echo "=== $name"
  local start=$SECONDS
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  tally "$log"
  echo "=== $name: exit $rc in $((SECONDS - start)) s"
  if [ "$rc" -ne 0 ]; then
    failed_suites+=("$name")
    # A suite that failed without reporting a failed test still counts as one.
    grep -qE 'fail(ed)? [1-9]|[1-9][0-9]* tests failed|FAILED  \] [1-9]' "$log" || failed=$((failed + 1))
  fi
}

PG_STOP=""
pg_cleanup() { if [ -n "$PG_STOP" ]; then eval "$PG_STOP" >/dev/null 2>&1 || true; fi; }
trap pg_cleanup EXIT

# The include graph against docs/design.md "Layering".
suite "layering" python3 scripts/check-layering.py

# Every C++ file as .clang-format (Google style) formats it.
suite "format" bash scripts/check-format.sh

suite "unit tests and SQLite store contract (ctest)" \
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 --timeout 600

if pg_env=$(bash scripts/pg-throwaway.sh start); then
  eval "$pg_env"
  export XQ_TEST_PG_URL
  suite "store contract on PostgreSQL" \
    "$BUILD_DIR/bin/contract_test" --gtest_brief=1 --gtest_filter='*postgresql*'
else
  echo "could not start a PostgreSQL cluster"
  failed_suites+=("postgresql cluster")
  failed=$((failed + 1))
fi

# Durability: kill -9 the server under load a few times (bench/ingest runs
# it 20 times on a larger city); every acknowledged submission must be
# stored exactly once, with its urgent warning.
suite "crash test (kill -9 under load)" bash -c \
  "XQ_CRASH_DIR=$LOG_DIR/crash XQ_CRASH_STUDENTS=5000 XQ_BIN_DIR=$BUILD_DIR/bin bash bench/ingest/crash_test.sh 3 \
   && echo '# pass 1' && echo '# fail 0'"

if ls tests/api/*.test.mjs >/dev/null 2>&1; then
  suite "API tests on SQLite" node --test --test-reporter=spec --test-concurrency=1 tests/api/
  if [ -n "${XQ_TEST_PG_URL:-}" ]; then
    suite "API tests on PostgreSQL" env XQ_TEST_DB_KIND=postgresql \
      node --test --test-reporter=spec --test-concurrency=1 tests/api/
  fi
fi
if ls tests/e2e/*.test.mjs >/dev/null 2>&1; then
  suite "browser tests" node --test --test-reporter=spec --test-concurrency=1 tests/e2e/
fi

rm -rf "$LOG_DIR"
echo
[ ${#failed_suites[@]} -eq 0 ] || echo "failed suites: ${failed_suites[*]}"
echo "tests: $passed passed, $failed failed"
[ ${#failed_suites[@]} -eq 0 ]
