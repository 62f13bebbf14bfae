#!/usr/bin/env bash
# bench/ingest: durable screening submissions over HTTP on the city-scale
# demo database, against the two ceilings of this machine.
#
#   bench/ingest/run.sh            (or: make bench)
#
# 1. The city demo (`xinqiao demo --scale city --seed 1`, cached in
#    $OUT/city.db) is copied; ingest_tool creates a city-wide PHQ-9 + GAD-7
#    campaign as the city admin and signs in STUDENTS students with login
#    slips: one session per student, two submissions each.
# 2. Saturation: `xinqiao serve` on that copy, measured once it holds the
#    signed-in sessions; ingest_loadgen posts with CONNECTIONS keep-alive
#    connections in a closed loop, students in random order, each student's
#    two scales one after the other on one connection. Submissions/s, p50/p99.
#    768 connections by default: with 512 (and 256 before it) the rate still
#    rose with more, and the CPU stood idle ~7 % of the time, every request
#    in flight waiting on the same commit or sync (the fsync of one batch
#    overlaps the next, so more requests are in flight).
# 3. Fixed rate: a fresh server, 5,000 submissions/s open loop (latency from
#    the scheduled send time), then 80% of the saturation rate. p50/p99.
# 4. Storage ceiling: ingest_storage_ceiling inserts the same rows into the
#    same database, synchronous=FULL, batches of the size the server's
#    writer committed at saturation.
# 5. HTTP ceiling: ingest_http_ceiling (bare Beast, fixed answer) under the
#    same load generator and connections.
# Results: $OUT/results.json and a table on stdout (for docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${XQ_BENCH_DIR:-build/bench}/ingest
BIN=${XQ_BIN_DIR:-build/release/bin}
STUDENTS=${STUDENTS:-400000}
CONNECTIONS=${CONNECTIONS:-768}
DURATION=${DURATION:-10}
PORT=${PORT:-18080}
mkdir -p "$OUT"

if [ ! -f "$OUT/city.db" ]; then
  echo "== generating the city demo (once)" >&2
  "$BIN/xinqiao" demo --db "sqlite:$OUT/city.db.tmp" --scale city --seed 1 >&2
  mv "$OUT/city.db.tmp" "$OUT/city.db"
fi
RUN=$OUT/run.db
rm -f "$RUN" "$RUN-wal" "$RUN-shm"
cp "$OUT/city.db" "$RUN"
echo "== preparing: campaign and $STUDENTS signed-in students" >&2
CAMPAIGN=$("$BIN/ingest_tool" prepare --db "sqlite:$RUN" --out "$OUT/work.tsv" --students "$STUDENTS" \
  2> >(tee "$OUT/prepare.log" >&2) | tail -n1)  # the last line is the id (logs come before)
WORK=$(wc -l <"$OUT/work.tsv")
# Copying and preparing leave ~1 GB of dirty pages; their writeback would
# stall the measured fsyncs for tens of seconds. Measure from a clean slate.
sync
sleep 2

SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT
wait_port() {
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listens on $1" >&2
  exit 1
}
serve() {  # serve LOG: returns once the server listens and holds the signed-in sessions
  "$BIN/xinqiao" serve --db "sqlite:$RUN" --listen "127.0.0.1:$PORT" --web "" >"$1" 2>&1 &
  SERVER_PID=$!
  wait_port "$PORT"
  # It reads the sessions active within the idle timeout, then their
  # students' open assessments, in the background after it starts listening
  # (AuthService::HoldSignedInSessions, ScreeningService::HoldOpenAssessments).
  for _ in $(seq 1 1200); do
    grep -q "open assessments of .* held in memory" "$1" && return 0
    sleep 0.1
  done
  echo "the server did not report its held sessions and assessments" >&2
}
stop() {
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=""
}

echo "== saturation: $CONNECTIONS connections, closed loop, ${DURATION} s" >&2
serve "$OUT/server-saturation.log"
"$BIN/ingest_loadgen" --port "$PORT" --work "$OUT/work.tsv" --from 0 --connections "$CONNECTIONS" \
  --duration "$DURATION" --warmup 2 --label saturation --json "$OUT/saturation.json" >&2
USED=$(grep -o '"work_used":[0-9]*' "$OUT/saturation.json" | cut -d: -f2)
stop
# The writer logs its rows and commits when it stops: the mean batch size.
BATCH=$(sed -nE 's/.*submission writer: ([0-9]+) rows in ([0-9]+) commits.*/\1 \2/p' "$OUT/server-saturation.log" |
  awk '{ printf "%d", ($1 / $2) + 0.5 }')
BATCH=${BATCH:-64}

echo "== fixed rate: 5,000 submissions/s, open loop, ${DURATION} s" >&2
serve "$OUT/server-5000.log"
"$BIN/ingest_loadgen" --port "$PORT" --work "$OUT/work.tsv" --from "$USED" --connections "$CONNECTIONS" \
  --rate 5000 --duration "$DURATION" --warmup 2 --label rate5000 --json "$OUT/rate5000.json" >&2
stop

SAT_RATE=$(grep -o '"rate_per_s":[0-9]*' "$OUT/saturation.json" | cut -d: -f2)
SUSTAINED=$(( SAT_RATE * 8 / 10 ))
USED5=$(grep -o '"work_used":[0-9]*' "$OUT/rate5000.json" | cut -d: -f2)
echo "== fixed rate: $SUSTAINED submissions/s (80% of saturation), open loop, ${DURATION} s" >&2
serve "$OUT/server-80.log"
"$BIN/ingest_loadgen" --port "$PORT" --work "$OUT/work.tsv" --from $((USED + USED5)) --connections "$CONNECTIONS" \
  --rate "$SUSTAINED" --duration "$DURATION" --warmup 2 --label rate80 --json "$OUT/rate80.json" >&2
stop

echo "== storage ceiling: same rows, synchronous=FULL, batches of $BATCH" >&2
"$BIN/ingest_storage_ceiling" --db "$RUN" --campaign "$CAMPAIGN" --rows 100000 --batch "$BATCH" \
  --synchronous FULL >"$OUT/storage.json"
cat "$OUT/storage.json" >&2

echo "== HTTP ceiling: bare Beast server, same load" >&2
"$BIN/ingest_http_ceiling" --port $((PORT + 1)) --threads 2 2>/dev/null &
SERVER_PID=$!
wait_port $((PORT + 1))
"$BIN/ingest_loadgen" --port $((PORT + 1)) --work "$OUT/work.tsv" --from 0 --connections "$CONNECTIONS" \
  --duration "$DURATION" --warmup 2 --wrap --label http_ceiling --json "$OUT/http.json" >&2
stop

num() { grep -o "\"$2\":[0-9.]*" "$1" | head -n1 | cut -d: -f2; }
SAT=$(num "$OUT/saturation.json" rate_per_s)
HTTP=$(num "$OUT/http.json" rate_per_s)
STORE=$(num "$OUT/storage.json" rows_per_s)
{
  echo "{\"machine\":\"$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)\","
  echo " \"commit\":\"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\",\"work_items\":$WORK,\"batch\":$BATCH,"
  echo " \"saturation\":$(cat "$OUT/saturation.json"),"
  echo " \"rate5000\":$(cat "$OUT/rate5000.json"),"
  echo " \"rate80\":$(cat "$OUT/rate80.json"),"
  echo " \"storage_ceiling\":$(cat "$OUT/storage.json"),"
  echo " \"http_ceiling\":$(cat "$OUT/http.json")}"
} >"$OUT/results.json"

printf '\n| measure | value |\n|---|---|\n'
printf '| durable submissions/s at saturation (%s connections) | %s |\n' "$CONNECTIONS" "$SAT"
printf '| p50 / p99 at saturation | %s / %s ms |\n' "$(num "$OUT/saturation.json" p50_ms)" "$(num "$OUT/saturation.json" p99_ms)"
printf '| p50 / p99 at 5,000/s (achieved %s/s) | %s / %s ms |\n' "$(num "$OUT/rate5000.json" rate_per_s)" \
  "$(num "$OUT/rate5000.json" p50_ms)" "$(num "$OUT/rate5000.json" p99_ms)"
printf '| p50 / p99 at %s/s, 80%% of saturation (achieved %s/s) | %s / %s ms |\n' "$SUSTAINED" \
  "$(num "$OUT/rate80.json" rate_per_s)" "$(num "$OUT/rate80.json" p50_ms)" "$(num "$OUT/rate80.json" p99_ms)"
printf '| HTTP ceiling (bare Beast, same load) | %s/s |\n' "$HTTP"
printf '| storage ceiling (same rows, batch %s, synchronous=FULL) | %s rows/s |\n' "$BATCH" "$STORE"
printf '| xinqiao / HTTP ceiling | %s |\n' "$(awk -v a="$SAT" -v b="$HTTP" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
printf '| xinqiao / storage ceiling | %s |\n' "$(awk -v a="$SAT" -v b="$STORE" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
echo "results: $OUT/results.json"
