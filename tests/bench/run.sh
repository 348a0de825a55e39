#!/bin/sh
# make bench: prints figures, asserts nothing. Runs the release build's
# benchmarks on this machine's disk (the store benchmark writes to /tmp).
# The floors (raw durable commit rate, cJSON cost of an order) are
# measured first and handed to bench_e2e, which prints its figures next
# to them. BENCH_ORDERS lists the end-to-end sizes (CPU per 1,000 orders
# is compared across them).
set -eu
BUILD=${1:-build/release}
export CG_BUILD_DIR="$(cd "$BUILD" && pwd)"
export CG_SOURCE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
OUT=$(mktemp -d /tmp/cg-bench-XXXXXX)
trap 'rm -rf "$OUT"' EXIT INT TERM

echo "== raw SQLite durable commits and outbox cycles (bench_store)"
"$BUILD/bench_store" | tee "$OUT/store.txt"
echo
echo "== Lua mapping cost per order vs cJSON parse + print (bench_rules)"
"$BUILD/bench_rules" 2>/dev/null | tee "$OUT/rules.txt"
echo

# The engine's fsyncs are counted by an LD_PRELOAD shim (not part of the
# engine); without a compiler the figures print as -1.
if ${CC:-cc} -shared -fPIC -O2 -o "$OUT/libcg_iocount.so" \
  "$CG_SOURCE_DIR/tests/bench/iocount.c" -ldl 2>/dev/null; then
  export CG_IOCOUNT_LIB="$OUT/libcg_iocount.so"
fi
CG_BENCH_COMMIT_RATE=$(awk '$1 == "commit" { print $7 }' "$OUT/store.txt")
CG_BENCH_CJSON_NS=$(awk '/^cjson/ { print $(NF-3) }' "$OUT/rules.txt")
export CG_BENCH_COMMIT_RATE CG_BENCH_CJSON_NS
echo "== end to end against the simulator (bench_e2e)"
echo "floors: raw single-row durable commits ${CG_BENCH_COMMIT_RATE}/s," \
  "cJSON parse + print ${CG_BENCH_CJSON_NS} ns per order"
# shellcheck disable=SC2086
"$BUILD/bench_e2e" ${BENCH_ORDERS:-500 2000 10000} 2>/dev/null | grep -v '^\['
echo; echo "== dispatch: consignments/s and Centra calls per consignment (bench_dispatch)"
# shellcheck disable=SC2086
"$BUILD/bench_dispatch" ${BENCH_DISPATCH_ORDERS:-2000} ${BENCH_DISPATCH_LIMITED:-40} 2>/dev/null | grep -v '^\['
echo; echo "== a 100,000-SKU stock reconcile: time and peak RSS (bench_stock_reconcile)"
"$BUILD/bench_stock_reconcile" ${BENCH_STOCK_SKUS:-100000} 2>/dev/null | grep -v '^\['
echo; echo "== rule step per order through the rule host (bench_rulehost)"; "$BUILD/bench_rulehost" 2>/dev/null
echo; echo "== a merchant's rate beside a hostile neighbour (bench_neighbour)"
"$BUILD/bench_neighbour" ${BENCH_NEIGHBOUR_ORDERS:-1500} 2>/dev/null | grep -v '^\['
echo; echo "== stock: warehouse event to Centra write latency, mutations per 1,000 changed SKUs (bench_stock)"
# shellcheck disable=SC2086
"$BUILD/bench_stock" ${BENCH_STOCK_SKUS:-2000} ${BENCH_STOCK_ADJ:-10000} 2>/dev/null | grep -v '^\['
echo; echo "== items: a full sweep of Centra sizes into the warehouse item master, items/s and the calls it took (bench_items)"
"$BUILD/bench_items" ${BENCH_ITEMS_SIZES:-10000} 2>/dev/null | grep -v '^\['
