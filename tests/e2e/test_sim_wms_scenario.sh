#!/usr/bin/env bash
# The warehouse side of centra-gxo-sim's scenario files and settings:
# items and stock from the shared catalogue or explicit lists, services,
# auto-reject, auto-dispatch, scenario faults, stale stock snapshots, the command line
# (bad options, unreadable scenario), and determinism: two runs with the
# same --seed and the same requests give the same ids and events.
set -euo pipefail

SIM="${CG_BUILD_DIR:?CG_BUILD_DIR must point at the build tree}/centra-gxo-sim"
WORK=$(mktemp -d /tmp/cg-sim-wms-scen.XXXXXX)
SIM_PID=""
cleanup() {
  if [ -n "$SIM_PID" ]; then kill -TERM "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$WORK/sim.log" 2>/dev/null; exit 1; }

source "$(dirname "$0")/sim_boot.sh"
start() { # options...
  sim_boot "$WORK/sim.log" "$@" || fail "centra-gxo-sim did not start"
}
stop() {
  kill -TERM "$SIM_PID"
  wait "$SIM_PID" || fail "simulator exit status $?"
  SIM_PID=""
  if grep -E "Sanitizer|runtime error" "$WORK/sim.log" >/dev/null; then
    fail "sanitizer report"
  fi
}
token() { # -> TOKEN, using HTTP Basic this time
  TOKEN=$(curl -sf -u centra-gxo:gxo-dev-secret -X POST "$G/wms/v1/oauth/token" \
    -d grant_type=client_credentials | jq -r .access_token)
  [ -n "$TOKEN" ] && [ "$TOKEN" != null ] || fail "no token with Basic auth"
}
api() { # method path key body -> status, body in $WORK/out
  curl -s -o "$WORK/out" -w '%{http_code}' -X "$1" "$G/wms/v1$2" \
    -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: $3" \
    -H 'Content-Type: application/json' ${4:+-d "$4"}
}
order() { # ref sku carrier service
  printf '{"orderRef":"%s","shipTo":{"name":"A B","address1":"S 1","city":"X","postalCode":"1","countryCode":"SE"},"shipping":{"carrierCode":"%s","serviceCode":"%s"},"lines":[{"lineRef":"1","sku":"%s","quantity":1}]}' \
    "$1" "$3" "$4" "$2"
}

# --- command line --------------------------------------------------------
set +e
"$SIM" --no-such-option 1 >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "bad option: exit $rc, expected 2"
"$SIM" --centra-listen 127.0.0.1:0 --gxo-listen 127.0.0.1:0 \
  --scenario "$WORK/missing.json" >/dev/null 2>&1; rc=$?
[ "$rc" = 1 ] || fail "missing scenario: exit $rc, expected 1"
echo '{"warehouse":{"services":"nope"}}' >"$WORK/bad.json"
"$SIM" --centra-listen 127.0.0.1:0 --gxo-listen 127.0.0.1:0 \
  --scenario "$WORK/bad.json" >/dev/null 2>&1; rc=$?
[ "$rc" = 1 ] || fail "bad scenario: exit $rc, expected 1"
"$SIM" --help | grep -q -- '--gxo-token-ttl' || fail "--help"
set -e

# --- catalogue-driven warehouse --------------------------------------------
cat >"$WORK/scen.json" <<'JSON'
{
  "catalogue": {"products": [
    {"productNumber": "M411740", "name": "Wool coat", "harmonizedCommodityCode": "620193",
     "countryOfOrigin": "IT", "variants": [
       {"variantNumber": "BLK", "name": "Black", "sizes": [
         {"size": "38", "sku": "M411740BLK38", "ean": "5772428043001", "stock": 10, "weight": 1.2},
         {"size": "40", "sku": "M411740BLK40", "ean": "5772428043002", "stock": {"1": 5, "2": 3}}]}]},
    {"sku": "TEE-WHT-M", "ean": "5772428043100", "name": "Tee", "variant": "White",
     "size": "M", "productNumber": "TEE", "stock": [{"warehouse": 2, "quantity": 9}]}]},
  "warehouse": {
    "services": [["POSTNORD", "PN-MYPACK-HOME"]],
    "autoReject": [{"orderRef": "R-1", "code": "invalid-address", "message": "no such street"}],
    "acceptAfterMs": 10, "siteId": "SE-TEST1",
    "autoDispatchAfterMs": 20, "autoDispatchShipments": 2
  },
  "faults": {"gxo": {"rules": [{"path": "/wms/v1/stock", "share503": 1, "retryAfter": 3, "limit": 1}]}}
}
JSON
start --seed 5 --scenario "$WORK/scen.json"
token
[ "$(api GET /items/M411740BLK38 x)" = 200 ] || fail "catalogue item"
jq -e '.gtin == "5772428043001" and .hsCode == "620193" and .countryOfOrigin == "IT"
       and .weightKg == 1.2 and .attributes.colour == "Black" and .attributes.size == "38"' \
  "$WORK/out" >/dev/null || fail "item from catalogue: $(cat "$WORK/out")"
[ "$(api GET /items/TEE-WHT-M x)" = 200 ] || fail "flat catalogue item"
jq -e '.attributes.colour == "White"' "$WORK/out" >/dev/null || fail "flat variant"
curl -sf "$G/_sim/wms/stock" | jq -e '[.items[] | {(.sku): .available}] | add |
  .M411740BLK38 == 10 and .M411740BLK40 == 5 and .["TEE-WHT-M"] == 0' >/dev/null ||
  fail "stock from catalogue (warehouse 1 only)"
# Scenario fault: the first stock read is a 503 burst of one.
[ "$(api GET /stock x)" = 503 ] || fail "scenario fault"
[ "$(api GET /stock x)" = 200 ] || fail "fault burst did not end"
curl -sf "$G/_sim/calls" | jq -e '.retryAfterViolations == 1' >/dev/null ||
  fail "early repeat after Retry-After: 3 not counted"
# Services and auto-reject.
[ "$(api POST /orders o-1 "$(order R-2 M411740BLK38 DHL DHL-EXPRESS)")" = 422 ] ||
  fail "service outside the scenario's list accepted"
[ "$(api POST /orders o-2 "$(order R-1 M411740BLK38 POSTNORD PN-MYPACK-HOME)")" = 202 ] ||
  fail "order R-1"
[ "$(api POST /orders o-3 "$(order R-3 M411740BLK38 POSTNORD PN-MYPACK-HOME)")" = 202 ] ||
  fail "order R-3"
for i in $(seq 300); do # accept 10 ms and dispatch 20 ms later, however slow
  api GET "/events?after=0" x >/dev/null
  jq -e '[.events[].eventType] | index("order.rejected") and
         index("shipment.confirmed")' "$WORK/out" >/dev/null && break
  sleep 0.02
done
jq -e '[.events[] | select(.eventType == "order.rejected")][0] |
       .data.orderRef == "R-1" and .data.problems[0].code == "invalid-address" and
       .siteId == "SE-TEST1" and .correlation.orderRef == "R-1"' "$WORK/out" >/dev/null ||
  fail "auto-reject: $(cat "$WORK/out")"
jq -e '[.events[] | select(.eventType == "order.accepted")][0].data.orderRef == "R-3"' \
  "$WORK/out" >/dev/null || fail "auto-accept"
# Auto-dispatch: the one unit of R-3 cannot make two consignments, so one.
jq -e '[.events[] | select(.eventType == "shipment.confirmed")] | length == 1 and
       .[0].data.orderRef == "R-3" and .[0].data.orderComplete == true' \
  "$WORK/out" >/dev/null || fail "auto-dispatch: $(cat "$WORK/out")"
# Stale snapshot: stock as it was before the last adjustment.
curl -sf -X POST "$G/_sim/wms/stock/adjust" \
  -d '{"sku":"M411740BLK40","delta":-2,"reasonCode":"AU","reasonText":"damaged"}' >/dev/null
curl -sf -X POST "$G/_sim/wms/stock/snapshot" -d '{"stale":true}' >"$WORK/snap"
curl -sf -X POST "$G/_sim/wms/stock/snapshot" -d '{}' >"$WORK/fresh"
sid=$(jq -r .snapshotId "$WORK/snap")
[ "$(jq .asOfSequence "$WORK/snap")" -lt "$(jq .asOfSequence "$WORK/fresh")" ] ||
  fail "stale snapshot sequence"
[ "$(api GET "/stock?snapshotId=$sid&limit=1" x)" = 200 ] || fail "snapshot read"
jq -e '.nextCursor != null and (.items | length) == 1' "$WORK/out" >/dev/null ||
  fail "paging"
cursor=$(jq -r .nextCursor "$WORK/out")
items="[]"
while [ "$cursor" != null ]; do
  [ "$(api GET "/stock?cursor=$cursor&limit=1" x)" = 200 ] || fail "cursor"
  items=$(jq -c --argjson acc "$items" '$acc + .items' "$WORK/out")
  cursor=$(jq -r .nextCursor "$WORK/out")
done
echo "$items" | jq -e '[.[] | select(.sku == "M411740BLK40")][0].available == 5' >/dev/null ||
  fail "stale snapshot holds the stock before the adjustment: $items"
[ "$(api GET "/stock?cursor=nope:1" x)" = 400 ] || fail "bad cursor"
stop

# --- the demo's dispatch mix (autoDispatchMix) ------------------------------
# By acceptance order: whole (autoDispatchShipments: 2 here), split in two,
# one consignment in two parcels, short-shipped (one unit, the rest closed
# CP), late (autoDispatchLateMs: a minute, so not yet when the others are).
start --seed 5 --scenario "$WORK/scen.json"
token
curl -sf -X POST "$G/_sim/wms/settings" \
  -d '{"autoDispatchMix": true, "autoDispatchLateMs": 60000}' >"$WORK/set"
jq -e '.autoDispatchMix == true and .autoDispatchLateMs == 60000' "$WORK/set" \
  >/dev/null || fail "mix settings: $(cat "$WORK/set")"
for i in 0 1 2 3 4; do
  body=$(order "M-$i" M411740BLK38 POSTNORD PN-MYPACK-HOME | jq -c '.lines[0].quantity = 2')
  [ "$(api POST /orders "m-$i" "$body")" = 202 ] || fail "order M-$i: $(cat "$WORK/out")"
done
ships() { # ref -> shipment.confirmed events of it in $WORK/out
  jq --arg r "$1" '[.events[] | select(.eventType == "shipment.confirmed"
                    and .data.orderRef == $r)]' "$WORK/out"
}
for i in $(seq 300); do
  api GET "/events?after=0&limit=500" x >/dev/null
  [ "$(ships M-3 | jq length)" = 1 ] && [ "$(ships M-2 | jq length)" = 1 ] &&
    [ "$(ships M-1 | jq length)" = 2 ] && [ "$(ships M-0 | jq length)" = 2 ] &&
    break
  sleep 0.02
done
[ "$(ships M-1 | jq length)" = 2 ] || fail "mix: M-1 not split in two"
ships M-2 | jq -e 'length == 1 and (.[0].data.parcels | length) == 2' >/dev/null ||
  fail "mix: M-2 not one consignment in two parcels: $(ships M-2)"
ships M-3 | jq -e 'length == 1 and .[0].data.lineTotals[0].shippedToDate == 1' \
  >/dev/null || fail "mix: M-3 not short-shipped: $(ships M-3)"
jq -e '[.events[] | select(.eventType == "order.closed" and .data.orderRef == "M-3")]
       | length == 1' "$WORK/out" >/dev/null || fail "mix: M-3 not closed"
[ "$(ships M-4 | jq length)" = 0 ] || fail "mix: the late order M-4 shipped at once"
stop

# --- determinism: same seed, same requests, same answers -----------------
run() {
  start --seed 77
  token
  echo "$TOKEN"
  curl -sf -X POST "$G/_sim/wms/items" -d '[{"sku":"S1","hsCode":"1"}]' >/dev/null
  curl -sf -X POST "$G/_sim/wms/settings" -d '{"autoAccept":false}' >/dev/null
  api POST /orders d-1 "$(order D-1 S1 POSTNORD PN-MYPACK-HOME)" >/dev/null
  cat "$WORK/out"
  curl -sf -X POST "$G/_sim/wms/orders/D-1/accept" >/dev/null
  curl -sf -X POST "$G/_sim/wms/orders/D-1/dispatch" -d '{}' >/dev/null
  api GET "/events?after=0" x >/dev/null
  jq -c '[.events[] | {eventId, sequence, eventType, s: .data.shipmentId,
          p: (.data.parcels // [] | map([.parcelId, .trackingNumber]))}]' "$WORK/out"
  stop
}
run >"$WORK/run1"
run >"$WORK/run2"
cmp -s "$WORK/run1" "$WORK/run2" || { diff "$WORK/run1" "$WORK/run2"; fail "runs differ"; }
grep -q GXO-SHP-000001 "$WORK/run1" || fail "no shipment in the deterministic run"
echo ok
