#!/usr/bin/env bash
# Rule packs through the real binary: `centra-gxo rules test` loads each
# pack in the sandbox and runs its own tests, as a reload would. Every
# shipped pack must pass; a pack with a failing test must be refused.
set -u
bin="${CG_BUILD_DIR:-build}/centra-gxo"
src="${CG_SOURCE_DIR:-.}"
if [ ! -x "$bin" ]; then
  echo "test_rules_cli: $bin not built (build the centra-gxo target)" >&2
  exit 1
fi
fail=0
for pack in "$src"/rules/*/ "$src"/examples/packs/*/ "$src"/tests/rules/extends/; do
  if out=$("$bin" rules test "$pack" 2>&1); then
    echo "ok   $out"
  else
    echo "FAIL $pack: $out" >&2
    fail=1
  fi
done
out=$("$bin" rules test "$src/tests/rules/failing-test" 2>&1)
rc=$?
if [ $rc -ne 1 ] || ! grep -q "pack test failed" <<<"$out"; then
  echo "FAIL failing-test: want exit 1 and 'pack test failed', got $rc: $out" >&2
  fail=1
else
  echo "ok   failing-test refused: $(head -1 <<<"$out")"
fi
if ! "$bin" rules check "$src/tests/rules/failing-test" >/dev/null 2>&1; then
  echo "FAIL failing-test: rules check (tests skipped) should pass" >&2
  fail=1
fi
exit $fail
