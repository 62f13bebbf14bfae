#!/usr/bin/env bash
# `make bench`: every benchmark under bench/, each as docs/performance.md
# records it. bench/ingest generates the city demo database once
# (build/bench/ingest/city.db).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${XQ_BIN_DIR:-build/release/bin}
echo "== bench/scoring"
"$BIN/scoring_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
echo "== bench/ingest"
bash bench/ingest/run.sh
echo "== bench/ingest crash test"
bash bench/ingest/crash_test.sh 20
echo "== bench/counselling"
bash bench/counselling/run.sh
echo "== bench/network"
"$BIN/network_bench" --scale district --seed 1
"$BIN/network_bench" --scale district --seed 1 --inform 0
