#!/bin/sh
# make bench: prints figures, asserts nothing. Runs the release build's
# benchmarks on this machine's disk (the store benchmark writes to /tmp).
set -eu
BUILD=${1:-build/release}
export CG_BUILD_DIR="$(cd "$BUILD" && pwd)"
export CG_SOURCE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
echo "== raw SQLite durable commits and outbox cycles (bench_store)"
"$BUILD/bench_store"
echo
echo "== Lua mapping cost per order vs cJSON parse + print (bench_rules)"
"$BUILD/bench_rules"
echo
echo "== end to end against the simulator (bench_e2e)"
"$BUILD/bench_e2e" "${BENCH_ORDERS:-2000}" 2>/dev/null | grep -v '^\['
