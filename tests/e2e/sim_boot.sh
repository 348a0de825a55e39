# sim_boot.sh: starts centra-gxo-sim on free loopback ports for the shell
# tests (sourced; needs SIM, the binary's path).
#
#   sim_test_init NAME
#
# The preamble of a test that drives the simulator itself: WORK (a fresh
# folder /tmp/cg-sim-NAME.*), SIM_PID and BG (pids of background
# requests), all killed or removed at exit; fail MSG (the simulator log's
# tail, exit 1) and ok MSG.
#
#   sim_boot LOG [sim options...]
#
# Sets SIM_PID, CPORT, GPORT, C and G (the two base URLs) once the
# simulator has printed its ready line, trying five random port pairs;
# returns 1 if none worked.
sim_test_init() {
  WORK=$(mktemp -d "/tmp/cg-sim-$1.XXXXXX")
  SIM_PID=""
  BG=()
  trap sim_test_cleanup EXIT
  fail() { echo "FAIL: $*"; tail -40 "$WORK/sim.log" 2>/dev/null; exit 1; }
  ok() { echo "  ok  $*"; }
}

sim_test_cleanup() {
  local p
  for p in "${BG[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$SIM_PID" ]; then kill -KILL "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}

sim_boot() {
  local log=$1 try i
  shift
  for try in 1 2 3 4 5; do
    # Above the kernel's ephemeral range (32768-60999), below which the C
    # tests take theirs (tu_free_port): a port one of those found free is
    # never taken here before its server binds it.
    CPORT=$((61000 + RANDOM % 2200 * 2))
    GPORT=$((CPORT + 1))
    "$SIM" --centra-listen "127.0.0.1:$CPORT" --gxo-listen "127.0.0.1:$GPORT" \
      "$@" >"$log" 2>&1 &
    SIM_PID=$!
    for i in $(seq 100); do
      if grep -q "^centra-gxo-sim: centra on" "$log"; then
        C="http://127.0.0.1:$CPORT"
        G="http://127.0.0.1:$GPORT"
        return 0
      fi
      kill -0 "$SIM_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
    SIM_PID=""
  done
  return 1
}

# wms_token: prints a warehouse bearer token for the simulator's default
# client (needs G from sim_boot); empty output when none was issued.
wms_token() {
  curl -sf -X POST "$G/wms/v1/oauth/token" \
    -d 'grant_type=client_credentials&client_id=centra-gxo&client_secret=gxo-dev-secret' |
    jq -r '.access_token // empty'
}
