#!/usr/bin/env bash
# What users run: the release build's `centra-gxo demo` (engine and both
# simulators, real processes on loopback) for a few seconds. Passes when
# it exits 0 and orders reached the simulated warehouse. Called by
# `make test` after ctest; the build dir is the first argument.
set -euo pipefail
REL="${1:?usage: release_smoke.sh BUILD_DIR}"
OUT=$(mktemp /tmp/cg-smoke.XXXXXX)
trap 'rm -f "$OUT" "$OUT.err"' EXIT
if ! "$REL/centra-gxo" demo --orders 20 --for 8 --json >"$OUT" 2>"$OUT.err"; then
  tail -20 "$OUT.err"
  echo "release smoke: centra-gxo demo failed"
  exit 1
fi
sent=$(jq -r '.sent // 0' "$OUT")
if [ "$sent" -lt 1 ]; then
  cat "$OUT"
  echo "release smoke: the demo sent no order to the warehouse"
  exit 1
fi
echo "release smoke: demo ok ($sent orders sent)"
