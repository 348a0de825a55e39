#!/usr/bin/env bash
# Warehouse webhooks of centra-gxo-sim checked by an independent
# implementation: a subscription points at the simulator's own request sink
# (/_sim/sink on the Centra port, which stores raw bodies and headers), and
# `openssl dgst -hmac` recomputes X-Wms-Signature over "<t>.<raw body>".
# Also: secret rotation, retries with backoff on non-2xx, and injected
# duplicate and out-of-order deliveries.
set -euo pipefail

SIM="${CG_BUILD_DIR:?CG_BUILD_DIR must point at the build tree}/centra-gxo-sim"
WORK=$(mktemp -d /tmp/cg-sim-wms-webhook.XXXXXX)
SIM_PID=""
cleanup() {
  if [ -n "$SIM_PID" ]; then kill -TERM "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$WORK/sim.log" 2>/dev/null | tail -20; exit 1; }

source "$(dirname "$0")/sim_boot.sh"
sim_boot "$WORK/sim.log" --seed 9 || fail "centra-gxo-sim did not start"
C="http://127.0.0.1:$CPORT"; G="http://127.0.0.1:$GPORT"

TOKEN=$(wms_token)
api() { # method path idempotency-key body
  curl -s -o "$WORK/out" -w '%{http_code}' -X "$1" "$G/wms/v1$2" \
    -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: $3" \
    -H 'Content-Type: application/json' -d "$4"
}
adjust() { # delta
  curl -sf -o /dev/null -X POST "$G/_sim/wms/stock/adjust" \
    -d "{\"sku\":\"SKU-W\",\"delta\":$1,\"reasonCode\":\"AA\"}"
}
sink_count() { curl -sf "$C/_sim/sink" | jq .count; }
wait_sink() { # count
  for i in $(seq 200); do
    [ "$(sink_count)" -ge "$1" ] && return 0
    sleep 0.05
  done
  fail "sink holds $(sink_count) requests, expected $1"
}
verify() { # index secret -> 0 when the signature checks out
  curl -sf "$C/_sim/sink/$1/body" -o "$WORK/body"
  local sig t v1 mac
  sig=$(curl -sf "$C/_sim/sink/$1/header?name=X-Wms-Signature")
  t=$(printf '%s' "$sig" | tr ',' '\n' | sed -n 's/^t=//p')
  v1=$(printf '%s' "$sig" | tr ',' '\n' | sed -n 's/^v1=//p')
  [ -n "$t" ] && [ -n "$v1" ] || fail "malformed signature header: $sig"
  now=$(date +%s)
  [ $((now - t)) -lt 60 ] && [ $((t - now)) -lt 60 ] || fail "stale t=$t"
  mac=$( { printf '%s.' "$t"; cat "$WORK/body"; } |
    openssl dgst -sha256 -hmac "$2" | awk '{print $NF}')
  [ "$mac" = "$v1" ]
}

# 1. A subscription with its own secret; one event; the signature verifies.
code=$(api POST /webhook-subscriptions sub-1 \
  "{\"url\":\"$C/_sim/sink/wms\",\"secret\":\"s3cret\",\"eventTypes\":[\"stock.adjusted\"]}")
[ "$code" = 201 ] || fail "subscribe: $code $(cat "$WORK/out")"
code=$(api POST /webhook-subscriptions sub-2 '{"url":"ftp://x","eventTypes":[]}')
[ "$code" = 422 ] || fail "bad url accepted: $code"
code=$(api POST /webhook-subscriptions sub-3 "{\"url\":\"$C/x\",\"eventTypes\":[\"nope\"]}")
[ "$code" = 422 ] || fail "bad event type accepted: $code"
adjust 5
wait_sink 1
verify 0 s3cret || fail "signature does not verify with openssl"
verify 0 wrong && fail "signature verifies with the wrong secret"
[ "$(jq -r .eventType "$WORK/body")" = stock.adjusted ] || fail "event type"
[ "$(jq -r .data.quantityDelta "$WORK/body")" = 5 ] || fail "event data"
[ "$(curl -sf "$C/_sim/sink/0/header?name=Content-Type")" = application/json ] ||
  fail "content type"
seq1=$(jq .sequence "$WORK/body")
# The same event is in the pull feed with the same sequence.
curl -sf "$G/wms/v1/events?after=0" -H "Authorization: Bearer $TOKEN" |
  jq -e ".events[0].sequence == $seq1" >/dev/null || fail "feed/webhook differ"

# 2. Secret rotation: later deliveries are signed with the new secret.
curl -sf -X POST "$G/_sim/wms/webhook-secret" -d '{"secret":"rotated-1"}' >/dev/null
adjust 1
wait_sink 2
verify 1 rotated-1 || fail "rotated signature"
verify 1 s3cret && fail "old secret still verifies after rotation"

# 3. Retries: a failing endpoint gets the same event again with backoff.
code=$(api POST /webhook-subscriptions sub-4 \
  "{\"url\":\"$C/_sim/sink/fail?status=503\",\"eventTypes\":[\"stock.status_moved\"]}")
[ "$code" = 201 ] || fail "subscribe failing endpoint: $code"
curl -sf -o /dev/null -X POST "$G/_sim/wms/stock/move" \
  -d '{"sku":"SKU-W","quantity":1,"fromStatus":"AVAILABLE","toStatus":"DAMAGED","reasonCode":"AU"}'
wait_sink 5 # the first attempt and at least two retries
n=$(curl -sf "$C/_sim/sink" | jq '[.requests[] | select(.path == "/_sim/sink/fail")] | length')
[ "$n" -ge 3 ] || fail "expected retries, saw $n attempts"
ids=$(curl -sf "$C/_sim/sink" |
  jq -r '[.requests[] | select(.path == "/_sim/sink/fail") | .body | fromjson | .eventId] | unique | length')
[ "$ids" = 1 ] || fail "retries carried different events"
curl -sf "$G/_sim/calls" | jq -e '.webhooks.retried >= 2' >/dev/null || fail "retry stats"
curl -sf -X DELETE "$C/_sim/sink" >/dev/null

# 4. Injected duplicates: every delivery arrives twice, same eventId.
curl -sf -o /dev/null -X POST "$G/_sim/faults" \
  -d '{"webhooks":{"duplicateShare":1,"reorderShare":0}}'
adjust 2
for i in $(seq 200); do
  [ "$(curl -sf "$C/_sim/sink" | jq '[.requests[] | select(.path == "/_sim/sink/wms")] | length')" -ge 2 ] && break
  sleep 0.05
done
dups=$(curl -sf "$C/_sim/sink" |
  jq -r '[.requests[] | select(.path == "/_sim/sink/wms") | .body | fromjson | .eventId] | group_by(.) | map(length) | max')
[ "$dups" = 2 ] || fail "expected a duplicate delivery, got $dups"
curl -sf "$G/_sim/calls" | jq -e '.webhooks.duplicated >= 1' >/dev/null || fail "dup stats"

# 5. Out of order: the first event is held back, the second overtakes it.
curl -sf -X DELETE "$C/_sim/sink" >/dev/null
curl -sf -o /dev/null -X POST "$G/_sim/faults" \
  -d '{"webhooks":{"duplicateShare":0,"reorderShare":1,"reorderDelayMs":700}}'
adjust 3
curl -sf -o /dev/null -X POST "$G/_sim/faults" -d '{"webhooks":{"reorderShare":0}}'
adjust 4
wms_count() {
  curl -sf "$C/_sim/sink" | jq '[.requests[] | select(.path == "/_sim/sink/wms")] | length'
}
for i in $(seq 200); do [ "$(wms_count)" -ge 2 ] && break; sleep 0.05; done
order=$(curl -sf "$C/_sim/sink" |
  jq -c '[.requests[] | select(.path == "/_sim/sink/wms") | .body | fromjson | .data.quantityDelta]')
[ "$order" = "[4,3]" ] || fail "expected the held-back event last, got $order"
curl -sf "$G/_sim/calls" | jq -e '.webhooks.reordered >= 1' >/dev/null || fail "reorder stats"

kill -TERM "$SIM_PID"
wait "$SIM_PID" || fail "simulator exit status $?"
SIM_PID=""
if grep -E "Sanitizer|runtime error" "$WORK/sim.log" >/dev/null; then
  fail "sanitizer report"
fi
echo ok
