#!/usr/bin/env bash
# bench/counselling (docs/performance.md "Counselling: booking, sealing,
# key rotation"):
#   1. the booking race over HTTP (500 students, 50 slots) on SQLite, and on
#      PostgreSQL when a throwaway cluster can be started;
#   2. the cost of sealing and opening a session record;
#   3. `xinqiao keys rotate` over RECORDS (default 1,000,000) sealed
#      records, under /usr/bin/time -v (wall time, peak memory).
#
#   bash bench/counselling/run.sh [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${XQ_BIN_DIR:-build/release/bin}
RECORDS=${1:-1000000}
export XQ_BIN=$PWD/$BIN/xinqiao
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "-- booking race (SQLite)"
node bench/counselling/booking_race.mjs 500 50 5
if pg=$(bash scripts/pg-throwaway.sh start 2>/dev/null); then
  eval "$pg"
  echo "-- booking race (PostgreSQL)"
  XQ_TEST_PG_URL=$XQ_TEST_PG_URL XQ_TEST_DB_KIND=postgresql node bench/counselling/booking_race.mjs 500 50 5 || true
  eval "$PG_STOP"
fi

echo "-- sealing"
"$BIN/counselling_bench" seal --records 2000 2>/dev/null

echo "-- key rotation over $RECORDS records (SQLite)"
dir=$(mktemp -d /tmp/xq-rotate.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$BIN/counselling_bench" seed --db "sqlite:$dir/rot.db" --key-file "$dir/keys" --records "$RECORDS" 2>/dev/null
/usr/bin/time -v "$BIN/xinqiao" keys rotate --db "sqlite:$dir/rot.db" --key-file "$dir/keys" >"$dir/rotate.log" 2>"$dir/time.log"
tail -n 1 "$dir/rotate.log"
grep -E "Elapsed \(wall|Maximum resident" "$dir/time.log"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
