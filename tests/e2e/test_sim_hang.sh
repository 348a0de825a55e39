#!/usr/bin/env bash
# The "stop answering" fault (issue 6 item 8): a rule with hangShare makes
# a port accept the connection, read the request and never answer, on the
# Centra port and on the warehouse port alike. A client with a 1 s timeout
# times out; clearing the rules (DELETE /_sim/faults) closes the held
# connections without an answer; afterwards requests succeed; requests
# still held at SIGTERM are closed too, and the simulator exits 0 with no
# sanitizer (leak, use after free) report.
set -euo pipefail

SIM="${CG_BUILD_DIR:?CG_BUILD_DIR must point at the build tree}/centra-gxo-sim"
source "$(dirname "$0")/sim_boot.sh"
sim_test_init hang

sim_boot "$WORK/sim.log" --seed 12 || fail "centra-gxo-sim did not start"

TOKEN=$(wms_token)
[ -n "$TOKEN" ] || fail "no token"
wms() { # path [curl options...] -> status
  local p=$1
  shift
  curl -s -o "$WORK/out" -w '%{http_code}' "$@" "$G/wms/v1$p" \
    -H "Authorization: Bearer $TOKEN" || true
}
centra() { # [curl options...] -> status
  curl -s -o "$WORK/out" -w '%{http_code}' "$@" -X POST "$C/graphql" \
    -H 'Authorization: Bearer centra-dev-token' -H 'Content-Type: application/json' \
    --data-binary '{"query":"{ orders(limit: 1) { id } }"}' || true
}
held() { # url -> number of live held requests on that port
  curl -sf "$1/_sim/faults" | jq -r .held
}
wait_held() { # url n: until n requests are held (up to 10 s)
  for i in $(seq 200); do
    [ "$(held "$1")" = "$2" ] && return 0
    sleep 0.05
  done
  fail "never $2 held on $1 (now $(held "$1"))"
}

[ "$(wms /events)" = 200 ] || fail "events before the fault"
[ "$(centra)" = 200 ] || fail "centra before the fault"
curl -sf -X POST "$G/_sim/faults" -d '{"rules":[{"path":"/wms/v1/*","hangShare":1}]}' |
  jq -e '.rules[0].hangShare == 1' >/dev/null || fail "gxo hang rule"
curl -sf -X POST "$C/_sim/faults" -d '{"rules":[{"path":"/graphql","hangShare":1}]}' \
  >/dev/null || fail "centra hang rule"

echo "# a client with a 1 s timeout times out"
[ "$(wms /events -m 1)" = 000 ] || fail "gxo answered a hung request"
[ "$(centra -m 1)" = 000 ] || fail "centra answered a hung request"
curl -sf "$G/_sim/health" >/dev/null || fail "control routes must not hang"
[ "$(held "$G")" = 0 ] || fail "a request whose client left is still counted"
curl -sf "$G/_sim/faults" | jq -e '.rules[0].fired == 1' >/dev/null || fail "fired count"
ok "both ports read the request and never answer; /_sim stays up"

echo "# clearing closes the held connections without an answer"
curl -s -o "$WORK/bg-g" -w '%{http_code}' -m 30 "$G/wms/v1/stock" \
  -H "Authorization: Bearer $TOKEN" >"$WORK/bg-g.status" &
BG+=($!)
G_BG=$!
curl -s -o "$WORK/bg-c" -w '%{http_code}' -m 30 -X POST "$C/graphql" \
  -H 'Authorization: Bearer centra-dev-token' -H 'Content-Type: application/json' \
  --data-binary '{"query":"{ orders(limit: 1) { id } }"}' >"$WORK/bg-c.status" &
BG+=($!)
C_BG=$!
wait_held "$G" 1
wait_held "$C" 1
curl -sf -X DELETE "$G/_sim/faults" | jq -e '.held == 0 and (.rules | length) == 0' \
  >/dev/null || fail "DELETE on gxo"
rc=0
wait "$G_BG" || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 28 ] || fail "held gxo client: curl exit $rc (want a closed connection)"
[ "$(cat "$WORK/bg-g.status")" = 000 ] || fail "held gxo request got an answer"
[ "$(held "$C")" = 1 ] || fail "clearing gxo released centra's request"
curl -sf -X POST "$C/_sim/faults" -d '{"replace":true}' >/dev/null || fail "replace on centra"
rc=0
wait "$C_BG" || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 28 ] || fail "held centra client: curl exit $rc"
ok "DELETE and replace close the held connections (no answer), per port"

echo "# after clearing, requests succeed"
[ "$(wms /events -m 5)" = 200 ] || fail "gxo after clearing"
[ "$(centra -m 5)" = 200 ] || fail "centra after clearing"
curl -sf "$G/_sim/calls?side=gxo" |
  jq -e '[.calls[] | select(.path == "/wms/v1/stock")][0].status == 0' >/dev/null ||
  fail "the closed request is not in the call log with status 0"
ok "both ports answer again; the call log shows the closed request as 0"

echo "# held at shutdown"
curl -sf -X POST "$G/_sim/faults" -d '{"rules":[{"path":"/wms/v1/*","hangShare":1}]}' \
  >/dev/null || fail "gxo hang rule 2"
curl -sf -X POST "$C/_sim/faults" -d '{"rules":[{"path":"*","hangShare":1}]}' \
  >/dev/null || fail "centra hang rule 2"
curl -s -o /dev/null -m 30 "$G/wms/v1/events" -H "Authorization: Bearer $TOKEN" &
BG+=($!)
curl -s -o /dev/null -m 30 "$C/anything" &
BG+=($!)
[ "$(wms /events -m 1)" = 000 ] || fail "gxo answered"
wait_held "$G" 1
wait_held "$C" 1
kill -TERM "$SIM_PID"
rc=0
wait "$SIM_PID" || rc=$?
SIM_PID=""
[ "$rc" = 0 ] || fail "simulator exit status $rc"
if grep -E "Sanitizer|runtime error" "$WORK/sim.log" >/dev/null; then
  fail "sanitizer report"
fi
for p in "${BG[@]}"; do wait "$p" 2>/dev/null || true; done
BG=()
ok "SIGTERM with held requests: exit 0, no sanitizer report"
echo "1 passed, 0 failed"
