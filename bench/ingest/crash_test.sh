#!/usr/bin/env bash
# Crash test of durable ingest: under load, kill -9 the server at random
# moments, restart it, and check that every acknowledged submission is
# stored exactly once, every critical answer has its urgent warning and
# follow-up (raised by the warning module from the submissions log, so the
# last server is given a bounded time to catch up before it stops), and
# nothing unacknowledged is half-stored.
#
#   bench/ingest/crash_test.sh [KILLS]      (default 20)
#
# Environment: XQ_CRASH_SCALE (demo scale, default district),
# XQ_CRASH_STUDENTS (signed-in students, default 20000), XQ_CRASH_RATE
# (submissions/s offered, default 1000), XQ_CRASH_DIR
# (work directory, default build/bench/crash), XQ_BIN_DIR (binaries,
# default build/release/bin). The load generator runs in --retry mode: a
# request that fails because the server died is sent again, with the same
# submission id, once the server is back — exactly what a phone does.
# Prints one JSON line from the verifier; exits 1 on any violation.
set -euo pipefail
cd "$(dirname "$0")/../.."
KILLS=${1:-20}
SCALE=${XQ_CRASH_SCALE:-district}
STUDENTS=${XQ_CRASH_STUDENTS:-20000}
DIR=${XQ_CRASH_DIR:-build/bench/crash}
BIN=${XQ_BIN_DIR:-build/release/bin}
PORT=${XQ_CRASH_PORT:-18090}
RATE=${XQ_CRASH_RATE:-1000}  # submissions/s offered: the work lasts for 20 kills
mkdir -p "$DIR"
DB=$DIR/crash.db
rm -f "$DB" "$DB-wal" "$DB-shm" "$DIR/acks.tsv"

echo "crash test: $SCALE demo city, $STUDENTS students, $KILLS kills" >&2
"$BIN/xinqiao" demo --db "sqlite:$DB" --scale "$SCALE" --seed 7 >"$DIR/demo.log" 2>&1
CAMPAIGN=$("$BIN/ingest_tool" prepare --db "sqlite:$DB" --out "$DIR/work.tsv" --students "$STUDENTS" 2>"$DIR/prepare.log" | tail -n1)

SERVER_PID=""
LOADGEN_PID=""
cleanup() {
  [ -n "$LOADGEN_PID" ] && kill "$LOADGEN_PID" 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null || true
}
trap cleanup EXIT

start_server() {
  "$BIN/xinqiao" serve --db "sqlite:$DB" --listen "127.0.0.1:$PORT" --web "" --no-access-log \
    >>"$DIR/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "crash test: the server did not come back (see $DIR/server.log)" >&2
  exit 1
}

start_server
"$BIN/ingest_loadgen" --port "$PORT" --work "$DIR/work.tsv" --connections 64 --duration 3600 --warmup 0 --rate "$RATE" \
  --retry --ack-log "$DIR/acks.tsv" --label crash >"$DIR/loadgen.json" 2>"$DIR/loadgen.log" &
LOADGEN_PID=$!

for i in $(seq 1 "$KILLS"); do
  if ! kill -0 "$LOADGEN_PID" 2>/dev/null; then
    echo "crash test: the load generator stopped early (see $DIR/loadgen.log)" >&2
    exit 1
  fi
  # A random moment 0.3 .. 1.5 s into this server's life, under load.
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.3 + (r % 1200) / 1000 }')"
  kill -9 "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  acked=$(wc -l <"$DIR/acks.tsv" 2>/dev/null || echo 0)
  echo "  kill $i/$KILLS (acknowledged so far: ~$acked)" >&2
  start_server
done
# Let the retried requests of the last kill finish, then stop the load.
sleep 1
kill -TERM "$LOADGEN_PID" 2>/dev/null || true
wait "$LOADGEN_PID" || true
LOADGEN_PID=""
# The event path: every subscriber caught up (no lag, no failing attempt)
# in two health reports a full pass apart, within 60 s.
caught_up() {
  python3 - "$PORT" <<'PY'
import json, sys, urllib.request
h = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/health", timeout=5))
subs = h["events"]["subscribers"]
sys.exit(0 if subs and all(s["lag_ms"] == 0 and s["attempts"] == 0 for s in subs) else 1)
PY
}
waited=0
until caught_up 2>/dev/null && sleep 6 && caught_up 2>/dev/null; do
  waited=$((waited + 1))
  if [ "$waited" -ge 10 ]; then
    echo "crash test: the event path did not catch up (see $DIR/server.log)" >&2
    break  # the verifier reports what is missing
  fi
  sleep 1
done
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
cat "$DIR/loadgen.json" >&2

"$BIN/ingest_tool" verify --db "sqlite:$DB" --campaign "$CAMPAIGN" --acks "$DIR/acks.tsv"
