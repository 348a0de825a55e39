#!/usr/bin/env bash
# Runs the curl walk-through of docs/simulator.md (section 7, between the
# walkthrough markers) against a fresh centra-gxo-sim on free ports, so the
# document a newcomer follows is known to work. Then checks the end state
# and a clean SIGTERM exit.
set -euo pipefail

SIM="${CG_BUILD_DIR:?CG_BUILD_DIR must point at the build tree}/centra-gxo-sim"
DOC="${CG_SOURCE_DIR:?CG_SOURCE_DIR must point at the source tree}/docs/simulator.md"
WORK=$(mktemp -d /tmp/cg-sim-walk.XXXXXX)
SIM_PID=""
cleanup() {
  if [ -n "$SIM_PID" ]; then kill -TERM "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$WORK/sim.log" 2>/dev/null; exit 1; }

source "$(dirname "$0")/sim_boot.sh"
sim_boot "$WORK/sim.log" --seed 1 || fail "centra-gxo-sim did not start"

awk '/<!-- walkthrough:begin -->/ {on = 1}
     /<!-- walkthrough:end -->/   {on = 0}
     on && /^```sh/ {inb = 1; next}
     on && /^```/   {inb = 0; next}
     inb' "$DOC" >"$WORK/walk.sh"
[ "$(wc -l <"$WORK/walk.sh")" -gt 40 ] || fail "walk-through not found in $DOC"

export C="http://127.0.0.1:$CPORT" G="http://127.0.0.1:$GPORT"
(cd "$WORK" && bash -eo pipefail "$WORK/walk.sh") >"$WORK/walk.out" 2>&1 ||
  { cat "$WORK/walk.out"; fail "the walk-through stopped"; }
cat "$WORK/walk.out"

# The expected outcomes the document promises.
grep -q '^signature ok$' "$WORK/walk.out" || fail "webhook signature"
grep -qi '^Idempotency-Replayed: true' "$WORK/walk.out" || fail "replay"
curl -sf "$G/_sim/wms/stats" |
  jq -e '.orders == 1 and .duplicates == 1 and .replays == 1 and
         .shipments == 2 and .returnsReceived == 1' >/dev/null ||
  fail "warehouse stats"
curl -sf "$C/_sim/centra/orders/1000" |
  jq -e '.status == "SHIPPED" and .lines[0].shippedQuantity == 2' >/dev/null ||
  fail "Centra order not shipped"
curl -sf "$C/_sim/centra/returns" | jq -e '.[0].returnStatus == "COMPLETED"' \
  >/dev/null || fail "Centra return not completed"

kill -TERM "$SIM_PID"
wait "$SIM_PID" || fail "simulator exit status $?"
SIM_PID=""
if grep -E "Sanitizer|runtime error" "$WORK/sim.log" >/dev/null; then
  fail "sanitizer report"
fi
echo ok
