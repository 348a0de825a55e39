#!/usr/bin/env bash
# Every GraphQL document the engine can send validates against the
# project's Centra schema (core/centra/centra-integration.graphql), with
# graphql-js, never by hand:
#   - `centra-gxo centra documents` lists them all (the engine refuses to
#     send an operation that is not in core/centra/centra_docs.c), and no
#     other engine source holds GraphQL text, so a new document cannot
#     escape this check;
#   - the same check refuses a document with one bad field and names it,
#     and refuses variables of the wrong type;
#   - `centra check --introspection` validates against a saved
#     introspection answer and names a renamed field.
set -euo pipefail

BIN="${CG_BUILD_DIR:?CG_BUILD_DIR must point at the build tree}/centra-gxo"
SRC="${CG_SOURCE_DIR:?CG_SOURCE_DIR must point at the source tree}"
SCHEMA="$SRC/core/centra/centra-integration.graphql"
CHECK="$SRC/tools/graphql/check-documents.js"
WORK=$(mktemp -d /tmp/cg-docs.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$BIN" centra documents >"$WORK/docs.json"
n=$(jq length "$WORK/docs.json")
[ "$n" -ge 12 ] || fail "only $n documents listed"
jq -e 'map(.name) | length == (unique | length)' "$WORK/docs.json" >/dev/null ||
  fail "two documents share an operation name"

# 1. All valid.
node "$CHECK" --schema "$SCHEMA" <"$WORK/docs.json" >"$WORK/out" ||
  { cat "$WORK/out"; fail "an engine document does not validate"; }
grep -qx "$n valid, 0 invalid" "$WORK/out" || fail "summary: $(cat "$WORK/out")"

# 2. No GraphQL text outside the table.
if grep -rnE '"(query|mutation|subscription|fragment) [A-Za-z_]' \
    "$SRC/core" --include='*.c' --include='*.h' | grep -v 'core/centra/centra_docs.c'; then
  fail "GraphQL text outside core/centra/centra_docs.c"
fi

# 3. The same check fails a bad document and names the field.
jq '.[0].query |= sub("number"; "numbr")' "$WORK/docs.json" >"$WORK/bad.json"
if node "$CHECK" --schema "$SCHEMA" <"$WORK/bad.json" >"$WORK/out"; then
  fail "a document with an unknown field passed"
fi
grep -q 'Cannot query field "numbr"' "$WORK/out" || fail "field not named: $(cat "$WORK/out")"

# 4. Variables are coerced against the declared types.
jq '[.[] | select(.name == "CgOrderByNumber") | .variables = {number: "1001"}]' \
  "$WORK/docs.json" >"$WORK/vars.json"
if node "$CHECK" --schema "$SCHEMA" <"$WORK/vars.json" >"$WORK/out"; then
  fail "a string for Int! passed"
fi
grep -q 'Variable "\$number" got invalid value' "$WORK/out" || fail "$(cat "$WORK/out")"

# 5. centra check against a saved introspection of the project schema
#    passes, and names a field the shop renamed.
node -e '
  const c = require(process.argv[1] + "/tools/graphql/check.js");
  const s = c.schemaFromSdl(process.argv[2]);
  const r = c.g.graphqlSync({schema: s, source: c.g.getIntrospectionQuery()});
  process.stdout.write(JSON.stringify(r));' "$SRC" "$SCHEMA" >"$WORK/intro.json"
"$BIN" centra check --introspection "$WORK/intro.json" >"$WORK/out" ||
  { cat "$WORK/out"; fail "centra check failed against the project schema"; }
grep -q "$n of $n documents valid" "$WORK/out" || fail "$(cat "$WORK/out")"
jq '(.data.__schema.types[] | select(.name == "Shipment" or .name == "DirectToConsumerShipment")
     | .fields[] | select(.name == "trackingNumber") | .name) = "trackingNo"' \
  "$WORK/intro.json" >"$WORK/renamed.json"
set +e
"$BIN" centra check --introspection "$WORK/renamed.json" >"$WORK/out"
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$WORK/out"; fail "centra check exited $rc on a renamed field"; }
grep -q 'MISMATCH  CgCompleteShipment: Cannot query field "trackingNumber"' "$WORK/out" ||
  fail "renamed field not named: $(cat "$WORK/out")"

echo "1 passed, 0 failed"
