# sim_centra_lib.sh: helpers sourced by the tests/e2e/test_sim_centra_*.sh
# tests. Starts centra-gxo-sim on free loopback ports, sends GraphQL and
# control requests with curl, checks answers with jq, and on exit stops the
# simulator and fails the test if its log shows a sanitizer report.
set -euo pipefail

SIM="${CG_BUILD_DIR:?CG_BUILD_DIR must point at the build tree}/centra-gxo-sim"
TOKEN=centra-dev-token
WORK=$(mktemp -d /tmp/sim-centra-test.XXXXXX)
OUT="$WORK/out"
HDR="$WORK/headers"
SIM_PID=""
FAILS=0

source "$(dirname "${BASH_SOURCE[0]}")/sim_boot.sh"

sim_start() { # extra centra-gxo-sim options
  SIM_LOG="$WORK/sim.log"
  sim_boot "$SIM_LOG" "$@" && return 0
  echo "FAIL: centra-gxo-sim did not start"; cat "$SIM_LOG"; exit 1
}

sim_stop() {
  [ -n "$SIM_PID" ] || return 0
  kill -TERM "$SIM_PID" 2>/dev/null || true
  wait "$SIM_PID" 2>/dev/null || true
  SIM_PID=""
  if grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$SIM_LOG" >/dev/null; then
    echo "FAIL: sanitizer report in the simulator log"; cat "$SIM_LOG"
    FAILS=$((FAILS + 1))
  fi
}

finish() {
  local rc=$?
  sim_stop
  rm -rf "$WORK"
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: the test stopped early (status $rc)"; exit "$rc"
  fi
  if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS check(s) failed"; exit 1
  fi
  echo "ok"
}
trap finish EXIT

# gql QUERY [VARIABLES_JSON [TOKEN]]: body in $OUT, status in $STATUS.
gql() {
  local vars="${2:-}"
  [ -n "$vars" ] || vars='{}'
  jq -cn --arg q "$1" --argjson v "$vars" '{query: $q, variables: $v}' \
    >"$WORK/req"
  raw_post /graphql "$WORK/req" "${3:-$TOKEN}"
}

# raw_post PATH FILE [TOKEN]: POSTs a file as JSON.
raw_post() {
  STATUS=$(curl -s -o "$OUT" -D "$HDR" -w '%{http_code}' \
    -H "Authorization: Bearer ${3:-$TOKEN}" \
    -H 'Content-Type: application/json' --data-binary "@$2" "$C$1")
}

# ctl METHOD PATH [JSON]: control API call; body in $OUT, status in $STATUS.
ctl() {
  if [ $# -ge 3 ]; then
    STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -X "$1" \
      -H 'Content-Type: application/json' --data-binary "$3" "$C$2")
  else
    STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -X "$1" "$C$2")
  fi
}

# check NAME ACTUAL EXPECTED
check() {
  if [ "$2" == "$3" ]; then
    echo "  ok  $1"
  else
    echo "FAIL  $1: got '$2', want '$3'"; echo "      body: $(head -c 600 "$OUT")"
    FAILS=$((FAILS + 1))
  fi
}

# jqo FILTER: jq -r over the last answer.
jqo() { jq -r "$1" "$OUT"; }

# A small catalogue and two orders most tests start from.
seed_basic() {
  ctl POST /_sim/centra/products '{"products": [
    {"productNumber": "M411740", "name": "Wool coat", "variants": [
      {"variantNumber": "BLK", "name": "Black", "sizes": [
        {"size": "38", "sku": "COAT-BLK-38", "ean": "5772428043001", "stock": 10},
        {"size": "40", "sku": "COAT-BLK-40", "ean": "5772428043002", "stock": 4}]}]},
    {"sku": "TEE-WHT-M", "ean": "5772428043100", "name": "Tee", "stock": 50}]}'
  check "seed products" "$STATUS" 200
}
