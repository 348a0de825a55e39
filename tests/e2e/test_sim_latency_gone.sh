#!/usr/bin/env bash
# Regression (issue 6 item 7): a latency fault longer than the client's
# timeout. The client (curl -m 1) goes away while the simulator still holds
# the request back; the held-back request must neither touch freed memory
# (it did: sim_wms__reply used an Idempotency-Key reservation freed when
# the connection closed) nor be lost. On both ports: the simulator stays
# healthy, the warehouse finishes the order its client stopped waiting for
# (a retry with the same key gets 409 while it is held, then the stored
# answer), and SIGTERM exits 0 with no sanitizer report.
set -euo pipefail

SIM="${CG_BUILD_DIR:?CG_BUILD_DIR must point at the build tree}/centra-gxo-sim"
WORK=$(mktemp -d /tmp/cg-sim-gone.XXXXXX)
SIM_PID=""
cleanup() {
  if [ -n "$SIM_PID" ]; then kill -KILL "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -40 "$WORK/sim.log" 2>/dev/null; exit 1; }
ok() { echo "  ok  $*"; }

source "$(dirname "$0")/sim_boot.sh"
sim_boot "$WORK/sim.log" --seed 11 || fail "centra-gxo-sim did not start"

TOKEN=$(wms_token)
[ -n "$TOKEN" ] || fail "no token"
curl -sf -X POST "$G/_sim/wms/items" -d '[{"sku":"SKU-1","gtin":"5772428043001"}]' \
  >/dev/null || fail "seed item"
curl -sf -X POST "$G/_sim/wms/stock" -d '[{"sku":"SKU-1","quantity":5}]' >/dev/null ||
  fail "seed stock"
ORDER='{"orderRef":"G-1","shipTo":{"name":"A B","address1":"S 1","city":"X",
  "postalCode":"1","countryCode":"SE"},"shipping":{"carrierCode":"POSTNORD",
  "serviceCode":"PN-MYPACK-HOME"},"lines":[{"lineRef":"1","sku":"SKU-1","quantity":1}]}'
api() { # method path key [body] [curl options...] -> status; body in $WORK/out
  local m=$1 p=$2 k=$3 b=${4:-}
  shift 4 2>/dev/null || shift $#
  curl -s -o "$WORK/out" -D "$WORK/hdr" -w '%{http_code}' "$@" -X "$m" \
    "$G/wms/v1$p" -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: $k" \
    -H 'Content-Type: application/json' ${b:+-d "$b"} || true
}

curl -sf -X POST "$G/_sim/faults" \
  -d '{"rules":[{"path":"/wms/v1/*","latencyMs":3000}]}' >/dev/null || fail "gxo fault"
curl -sf -X POST "$C/_sim/faults" \
  -d '{"rules":[{"path":"*","latencyMs":3000}]}' >/dev/null || fail "centra fault"

echo "# clients give up after 1 s; the simulator holds for 3 s"
[ "$(api POST /orders k-gone "$ORDER" -m 1)" = 000 ] || fail "order answered early"
# At once: the order is still held back: its key is in flight.
[ "$(api POST /orders k-gone "$ORDER")" = 409 ] || fail "retry while held: $(cat "$WORK/out")"
jq -e '.code == "request-in-progress"' "$WORK/out" >/dev/null || fail "409 code"
ok "a retry while the first is held back gets 409 request-in-progress"
[ "$(api POST /events:ack k-ack '{"upToSequence":0}' -m 1)" = 000 ] ||
  fail "ack answered early"
[ "$(api GET /events x '' -m 1)" = 000 ] || fail "events answered early"
st=$(curl -s -o /dev/null -w '%{http_code}' -m 1 -X POST "$C/graphql" \
  -H 'Authorization: Bearer centra-dev-token' -H 'Content-Type: application/json' \
  --data-binary '{"query":"{ orders(limit: 1) { id } }"}' || true)
[ "$st" = 000 ] || fail "centra answered early ($st)"
ok "four requests timed out on the client"


# Wait until the held-back order has been processed (the event, not a
# fixed sleep: poll the control API for up to 10 s).
for i in $(seq 200); do
  curl -s "$G/_sim/wms/orders/G-1" | jq -e '.created == true' >/dev/null 2>&1 && break
  sleep 0.05
done
curl -s "$G/_sim/wms/orders/G-1" | jq -e '.created == true and .status != null' \
  >/dev/null || fail "the held-back order was never created"
ok "the warehouse finished the order its client stopped waiting for"

curl -sf -X DELETE "$G/_sim/faults" >/dev/null || fail "clear gxo faults"
curl -sf -X DELETE "$C/_sim/faults" >/dev/null || fail "clear centra faults"
[ "$(api POST /orders k-gone "$ORDER")" = 202 ] || fail "replay: $(cat "$WORK/out")"
grep -qi '^Idempotency-Replayed: true' "$WORK/hdr" || fail "not a replay"
ok "the retry after it gets the stored 202 as a replay"
# The ack also finished; its key replays 204.
for i in $(seq 200); do
  [ "$(api POST /events:ack k-ack '{"upToSequence":0}')" = 204 ] && break
  sleep 0.05
done
grep -qi '^Idempotency-Replayed: true' "$WORK/hdr" || fail "ack not replayed"
ok "the timed-out ack replays 204"

curl -sf "$G/_sim/health" | jq -e '.status == "ok"' >/dev/null || fail "gxo health"
curl -sf "$C/_sim/health" | jq -e '.status == "ok"' >/dev/null || fail "centra health"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$C/graphql" \
  -H 'Authorization: Bearer centra-dev-token' -H 'Content-Type: application/json' \
  --data-binary '{"query":"{ orders(limit: 1) { id } }"}')" = 200 ] || fail "centra graphql"
curl -sf "$G/_sim/calls?side=gxo" | jq -e '[.calls[] | select(.status == 0)] | length == 3' \
  >/dev/null || fail "the three gone calls are not logged with status 0"
ok "both ports healthy; the call log shows the gone requests as status 0"

# Held back at shutdown with the client gone: no leak, no use after free.
curl -sf -X POST "$G/_sim/faults" \
  -d '{"rules":[{"path":"/wms/v1/*","latencyMs":5000}]}' >/dev/null || fail "fault 2"
[ "$(api POST /orders k-late "${ORDER/G-1/G-2}" -m 1)" = 000 ] || fail "second order"
kill -TERM "$SIM_PID"
rc=0
wait "$SIM_PID" || rc=$?
SIM_PID=""
[ "$rc" = 0 ] || fail "simulator exit status $rc"
if grep -E "Sanitizer|runtime error" "$WORK/sim.log" >/dev/null; then
  fail "sanitizer report"
fi
ok "SIGTERM with a gone request still held back: exit 0, no sanitizer report"
echo "1 passed, 0 failed"
