#!/usr/bin/env bash
# The simulated Centra waits for its GraphQL host (the node child) on the
# loop, not in a blocking read (docs/sim-centra.md "How it runs"): with a
# stand-in host that holds every reply until a gate file exists,
#   - the simulated warehouse answers while a /graphql request waits (a
#     blocking read held the whole simulator, both partners, until the
#     reply came);
#   - a second /graphql request waits for the first and both are answered
#     once the host replies, in order;
#   - a request still waiting at SIGTERM is answered 503 and the simulator
#     exits 0 with no sanitizer (leak, use after free) report.
set -euo pipefail

SIM="${CG_BUILD_DIR:?CG_BUILD_DIR must point at the build tree}/centra-gxo-sim"
source "$(dirname "$0")/sim_boot.sh"
sim_test_init async

# The stand-in host: one reply line per request line, each held until the
# gate file exists; it leaves a file asked.N for the N-th line it reads.
cat >"$WORK/held.js" <<'EOF'
'use strict';
const fs = require('fs');
const dir = process.env.CG_TEST_DIR;
let buf = '', n = 0, queue = Promise.resolve();
const gate = () => new Promise((ok) => {
  const look = () => fs.existsSync(dir + '/gate') ? ok() : setTimeout(look, 20);
  look();
});
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\n')) >= 0) {
    buf = buf.slice(i + 1);
    const k = ++n;
    fs.writeFileSync(dir + '/asked.' + k, '');
    queue = queue.then(gate).then(() => {
      process.stdout.write('{"answer":{"data":{"held":' + k + '}}}\n');
    });
  }
});
EOF

export CG_TEST_DIR="$WORK"
sim_boot "$WORK/sim.log" --seed 3 --centra-gql-script "$WORK/held.js" ||
  fail "centra-gxo-sim did not start"

graphql() { # name: POST /graphql in the background; status in $WORK/name
  curl -s -o "$WORK/$1.body" -w '%{http_code}' -m 60 -X POST "$C/graphql" \
    -H 'Authorization: Bearer centra-dev-token' \
    -H 'Content-Type: application/json' \
    --data-binary '{"query":"{ __typename }"}' >"$WORK/$1.tmp" || true
  mv "$WORK/$1.tmp" "$WORK/$1"
}
wait_file() { # path what: until it exists (up to 20 s)
  for i in $(seq 400); do
    [ -e "$1" ] && return 0
    sleep 0.05
  done
  fail "$2"
}

echo "# the warehouse answers while /graphql waits for the host"
graphql first &
BG+=($!)
wait_file "$WORK/asked.1" "the host never saw the first request"
TOKEN=$(curl -sf -m 5 -X POST "$G/wms/v1/oauth/token" \
  -d 'grant_type=client_credentials&client_id=centra-gxo&client_secret=gxo-dev-secret' |
  jq -r '.access_token // empty') || true
[ -n "$TOKEN" ] || fail "the warehouse did not answer while /graphql waited"
st=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$G/wms/v1/events" \
  -H "Authorization: Bearer $TOKEN" || true)
[ "$st" = 200 ] || fail "GET /wms/v1/events answered $st while /graphql waited"
[ ! -e "$WORK/first" ] || fail "/graphql was answered before the host replied"
ok "warehouse token and events answered while /graphql waited"

echo "# a second /graphql request waits for the first, then both are answered"
graphql second &
BG+=($!)
sleep 0.3 # it has arrived; the host must not see it yet
[ ! -e "$WORK/asked.2" ] || fail "the second request reached the host early"
touch "$WORK/gate"
wait_file "$WORK/first" "the first request was never answered"
wait_file "$WORK/second" "the second request was never answered"
[ "$(cat "$WORK/first")" = 200 ] || fail "first answered $(cat "$WORK/first")"
[ "$(cat "$WORK/second")" = 200 ] || fail "second answered $(cat "$WORK/second")"
jq -e '.data.held == 1' "$WORK/first.body" >/dev/null || fail "first body"
jq -e '.data.held == 2' "$WORK/second.body" >/dev/null || fail "second body"
ok "both answered 200, in order"

echo "# a request waiting at SIGTERM is answered 503; a clean exit"
rm "$WORK/gate"
graphql third &
BG+=($!)
wait_file "$WORK/asked.3" "the host never saw the third request"
kill -TERM "$SIM_PID"
rc=0
wait "$SIM_PID" || rc=$?
SIM_PID=""
wait_file "$WORK/third" "the third request was never answered"
[ "$(cat "$WORK/third")" = 503 ] || fail "third answered $(cat "$WORK/third")"
[ "$rc" = 0 ] || fail "the simulator exited $rc"
if grep -q "Sanitizer" "$WORK/sim.log"; then fail "sanitizer report"; fi
ok "503 at close, exit 0, no sanitizer report"
echo "PASS"
