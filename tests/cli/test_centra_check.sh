#!/usr/bin/env bash
# `centra-gxo centra check -c CONFIG` against the simulated Centra, as an
# operator runs it before go-live: it introspects the configured shop with
# the configured token and validates every engine document against what
# the shop serves. The simulator answers introspection from the project's
# schema, so every document passes; a refused token stops the check with
# exit code 2 and a line that names the config key, never the token.
set -euo pipefail

BIN="${CG_BUILD_DIR:?CG_BUILD_DIR must point at the build tree}/centra-gxo"
SIM="$CG_BUILD_DIR/centra-gxo-sim"
WORK=$(mktemp -d /tmp/cg-check.XXXXXX)
SIM_PID=""
cleanup() {
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
# shellcheck source=../e2e/sim_boot.sh
. "$(dirname "$0")/../e2e/sim_boot.sh"

sim_boot "$WORK/sim.log" || fail "simulator did not start"

config() { # token
  cat >"$WORK/cfg.lua" <<LUA
merchants = { {
  id = "acme", store = "acme.db",
  centra = { url = "$C/graphql", token = env "CG_CHECK_TOKEN" },
  gxo = { url = "$G/wms/v1", client_id = "cg", site = "S1",
          client_secret = env "CG_CHECK_SECRET" },
} }
LUA
  export CG_CHECK_TOKEN=$1 CG_CHECK_SECRET=s
}

n=$("$BIN" centra documents | jq length)

config centra-dev-token
"$BIN" centra check -c "$WORK/cfg.lua" >"$WORK/out" 2>&1 ||
  { cat "$WORK/out"; fail "centra check failed against the simulator"; }
grep -q "checking $n documents against $C/graphql (merchant acme)" "$WORK/out" ||
  fail "no header line: $(cat "$WORK/out")"
[ "$(grep -c '^ok ' "$WORK/out")" -eq "$n" ] || fail "not every document ok"
grep -q "$n of $n documents valid" "$WORK/out" || fail "$(cat "$WORK/out")"

config wrong-token-123
set +e
"$BIN" centra check -c "$WORK/cfg.lua" >"$WORK/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || { cat "$WORK/out"; fail "refused token exited $rc, want 2"; }
grep -q "refused the token (HTTP 403); check centra.token" "$WORK/out" ||
  fail "$(cat "$WORK/out")"
grep -q "wrong-token-123" "$WORK/out" && fail "the token was printed"

echo "1 passed, 0 failed"
