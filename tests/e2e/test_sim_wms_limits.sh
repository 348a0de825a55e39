#!/usr/bin/env bash
# The simulated warehouse enforces every field limit of warehouse-api-v1.md
# ("Field limits") on every request body that carries the field: orders,
# items (PUT and batch), return advices and cancels. Table-driven: LIMITS
# below is the contract's table (checked against the contract itself when
# shared/ is beside the source tree), CASES lists each place a limited
# field appears. For each case a value exactly at the limit is accepted and
# stored whole, and one character more is refused with the contract's
# problem: 422, code and type field-too-long, the field's pointer in
# errors[]. Lengths are characters: a name of 35 two-byte letters passes.
set -euo pipefail

SIM="${CG_BUILD_DIR:?CG_BUILD_DIR must point at the build tree}/centra-gxo-sim"
WORK=$(mktemp -d /tmp/cg-sim-limits.XXXXXX)
SIM_PID=""
cleanup() {
  if [ -n "$SIM_PID" ]; then kill -KILL "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
FAILS=0
PASSES=0
fail() { echo "FAIL: $*"; tail -20 "$WORK/sim.log" 2>/dev/null; exit 1; }
check() { # name actual expected
  if [ "$2" == "$3" ]; then
    PASSES=$((PASSES + 1))
  else
    echo "FAIL  $1: got '$2', want '$3'; body: $(head -c 400 "$WORK/out")"
    FAILS=$((FAILS + 1))
  fi
}

# --- the contract's table ----------------------------------------------------
LIMITS="orderRef 32
rmaRef 32
lineRef 32
shipTo.name 35
shipTo.company 35
shipTo.address1 35
shipTo.address2 35
shipTo.city 35
shipTo.region 35
shipTo.postalCode 10
shipTo.phone 20
shipTo.email 80
instructions 250
giftMessage 250
items.sku 40
items.description 80"

CONTRACT="${CG_SOURCE_DIR:-$(dirname "$0")/../..}/../shared/reference/warehouse-api-v1.md"
if [ -f "$CONTRACT" ]; then
  # Rows "| `a.b`, `c` | N | `d` | M |": names after the first inherit
  # its prefix (shipTo.name, company -> shipTo.company).
  awk '/^## Field limits/ {on = 1; next} /^## / {on = 0}
       on && /^\| `/ {
         n = split($0, cell, "|")
         for (k = 2; k + 1 <= n; k += 2) {
           names = cell[k]; max = cell[k + 1]; gsub(/[ `]/, "", names)
           gsub(/ /, "", max); if (names == "") continue
           m = split(names, nm, ","); pre = ""
           if (index(nm[1], ".")) pre = substr(nm[1], 1, index(nm[1], "."))
           for (j = 1; j <= m; j++)
             print ((j > 1 && !index(nm[j], ".")) ? pre nm[j] : nm[j]) " " max
         }
       }' "$CONTRACT" | sort >"$WORK/contract"
  sort <<<"$LIMITS" >"$WORK/ours"
  diff "$WORK/ours" "$WORK/contract" >/dev/null ||
    fail "the contract's field limits changed: $(diff "$WORK/ours" "$WORK/contract")"
  echo "  ok  LIMITS is the contract's table ($(wc -l <"$WORK/contract") fields)"
else
  echo "  --  contract not found beside the source tree; using the embedded table"
fi
limit_of() { awk -v f="$1" '$1 == f {print $2}' <<<"$LIMITS"; }

# --- simulator and helpers ------------------------------------------------------
source "$(dirname "$0")/sim_boot.sh"
sim_boot "$WORK/sim.log" --seed 21 || fail "centra-gxo-sim did not start"
TOKEN=$(wms_token)
[ -n "$TOKEN" ] || fail "no token"
curl -sf -X POST "$G/_sim/wms/settings" -d '{"autoAccept": false}' >/dev/null ||
  fail "settings"

api() { # method path body -> status; body in $WORK/out (a fresh key each)
  curl -s -o "$WORK/out" -w '%{http_code}' -X "$1" "$G/wms/v1$2" \
    -H "Authorization: Bearer $TOKEN" \
    -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)" \
    -H 'Content-Type: application/json' --data-binary "$3"
}
str() { # length [letter] [prefix]: prefix padded with letter to length chars
  local n=$1 c=${2:-x} s=${3:-}
  while [ "${#s}" -lt "$n" ]; do s="$s$c"; done
  printf '%s' "$s"
}
with() { # json path-as-json value -> json with the value set
  jq -c --argjson p "$2" --arg v "$3" 'setpath($p; $v)' <<<"$1"
}
expect_too_long() { # case-name pointer [jq prefix of the problem]
  local root=${3:-}
  check "$1 over: code" "$(jq -r "$root.code" "$WORK/out")" field-too-long
  check "$1 over: pointer" \
    "$(jq -r --arg p "$2" "[$root.errors[] | select(.pointer == \$p and .code == \"field-too-long\")] | length" "$WORK/out")" 1
}

SKU40=$(str 40 S SKU40-)
curl -sf -X POST "$G/_sim/wms/items" -d "[{\"sku\":\"SKU-1\",\"gtin\":\"5772428043001\"},
  {\"sku\":\"$SKU40\",\"gtin\":\"5772428043002\"}]" >/dev/null || fail "seed items"

base_order() { # ref
  jq -cn --arg r "$1" '{orderRef: $r, orderDate: "2026-03-04T08:12:00Z", currency: "EUR",
    shipTo: {name: "Anna Svensson", company: "Acme", address1: "Storgatan 1",
      address2: "Lgh 1101", city: "Stockholm", region: "Stockholm",
      postalCode: "11122", countryCode: "SE", phone: "+46700000000",
      email: "anna@example.com"},
    shipping: {carrierCode: "POSTNORD", serviceCode: "PN-MYPACK-HOME"},
    allowPartialShipment: true, instructions: "Door code 1234", giftMessage: null,
    lines: [{lineRef: "1", sku: "SKU-1", quantity: 1, unitPrice: "1.00"}]}'
}

# --- orders: field path in the body, contract field ---------------------------
echo "# POST /orders"
ORDER_CASES='["orderRef"] orderRef
["lines",0,"lineRef"] lineRef
["lines",0,"sku"] items.sku
["shipTo","name"] shipTo.name
["shipTo","company"] shipTo.company
["shipTo","address1"] shipTo.address1
["shipTo","address2"] shipTo.address2
["shipTo","city"] shipTo.city
["shipTo","region"] shipTo.region
["shipTo","postalCode"] shipTo.postalCode
["shipTo","phone"] shipTo.phone
["shipTo","email"] shipTo.email
["instructions"] instructions
["giftMessage"] giftMessage'
n=0
while read -r path field; do
  n=$((n + 1))
  max=$(limit_of "$field")
  ptr=$(jq -r 'map(tostring) | "/" + join("/")' <<<"$path")
  ref="L-$n"
  case "$field" in
  orderRef) ok_v=$(str "$max" 9 "R$n-"); ref=$ok_v; REF32=$ok_v ;;
  lineRef) ok_v=$(str "$max" 7 "LN-"); LINE32=$ok_v; LINE32_ORDER=$ref ;;
  items.sku) ok_v=$SKU40 ;;
  *) ok_v=$(str "$max" x) ;;
  esac
  body=$(with "$(base_order "$ref")" "$path" "$ok_v")
  check "order $field at $max" "$(api POST /orders "$body")" 202
  curl -s "$G/_sim/wms/orders/$ref" >"$WORK/out"
  check "order $field stored whole" "$(jq -r --argjson p "$path" '.request | getpath($p)' "$WORK/out")" "$ok_v"
  over=$(with "$(base_order "X-$n")" "$path" "$(str $((max + 1)) y "X-$n-")")
  check "order $field at $((max + 1))" "$(api POST /orders "$over")" 422
  expect_too_long "order $field" "$ptr"
  check "order $field type" "$(jq -r '.type | endswith("/field-too-long")' "$WORK/out")" true
  check "order $field content type" "$(curl -s -o /dev/null -w '%{content_type}' -X POST "$G/wms/v1/orders" \
    -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: limits-ct-$n" --data-binary "$over")" \
    application/problem+json
done <<<"$ORDER_CASES"

# Characters, not bytes: 35 two-byte letters fit, 36 do not.
body=$(with "$(base_order U-1)" '["shipTo","name"]' "$(str 35 å)")
check "name of 35 å (70 bytes)" "$(api POST /orders "$body")" 202
body=$(with "$(base_order U-2)" '["shipTo","city"]' "$(str 36 ö)")
check "city of 36 ö" "$(api POST /orders "$body")" 422
expect_too_long "city of 36 ö" /shipTo/city
# Every too-long field is listed, and field-too-long wins over other codes.
body=$(base_order M-1 | jq -c --arg a "$(str 36)" --arg z "$(str 11 1)" \
  '.shipTo.address1 = $a | .shipTo.postalCode = $z | .lines[0].sku = "NOPE"')
check "several too long" "$(api POST /orders "$body")" 422
check "both listed" "$(jq -r '[.errors[] | select(.code == "field-too-long") | .pointer] | sort | join(",")' \
  "$WORK/out")" /shipTo/address1,/shipTo/postalCode
check "code is field-too-long" "$(jq -r .code "$WORK/out")" field-too-long
check "unknown-sku still listed" "$(jq -r '[.errors[].code] | index("unknown-sku") != null' "$WORK/out")" true

# --- items: PUT and batch -----------------------------------------------------
echo "# PUT /items/{sku}, POST /items:batch"
item() { # sku [description]
  jq -cn --arg s "$1" --arg d "${2:-Tee}" '{sku: $s, gtin: "5772428043003",
    description: $d, hsCode: "610910", countryOfOrigin: "PT", uom: "EA"}'
}
ok_sku=$(str 40 s I40-)
check "item sku at 40" "$(api PUT "/items/$ok_sku" "$(item "$ok_sku")")" 201
check "item sku stored whole" "$(jq -r .sku "$WORK/out")" "$ok_sku"
bad_sku=$(str 41 s I41-)
check "item sku at 41" "$(api PUT "/items/$bad_sku" "$(item "$bad_sku")")" 422
expect_too_long "item sku" /sku
check "URL-only sku at 41" "$(api PUT "/items/$bad_sku" '{"gtin":"5772428043003","hsCode":"610910"}')" 422
expect_too_long "URL-only sku" /sku
max=$(limit_of items.description)
check "item description at $max" "$(api PUT /items/D-1 "$(item D-1 "$(str "$max" d)")")" 201
check "description stored whole" "$(jq -r '.description | length' "$WORK/out")" "$max"
check "item description at $((max + 1))" "$(api PUT /items/D-2 "$(item D-2 "$(str $((max + 1)) d)")")" 422
expect_too_long "item description" /description
batch=$(jq -cn --argjson a "$(item "$(str 40 b B40-)")" --argjson b "$(item "$(str 41 b B41-)")" \
  --argjson c "$(item B-3 "$(str 80 d)")" --argjson d "$(item B-4 "$(str 81 d)")" \
  '{items: [$a, $b, $c, $d]}')
check "batch" "$(api POST /items:batch "$batch")" 200
check "batch statuses" "$(jq -r '[.results[].status] | join(",")' "$WORK/out")" 201,422,201,422
check "batch codes" "$(jq -r '[.results[1,3].code] | join(",")' "$WORK/out")" field-too-long,field-too-long
check "batch pointers" "$(jq -r '[.results[1,3].errors[0].pointer] | join(",")' "$WORK/out")" /sku,/description

# --- return advices -------------------------------------------------------------
echo "# POST /return-advices"
advice() { # rmaRef orderRef lineRef sku
  jq -cn --arg r "$1" --arg o "$2" --arg l "$3" --arg s "$4" '{rmaRef: $r,
    originalOrderRef: $o, expectedBy: "2026-03-20",
    carrier: {carrierCode: "POSTNORD", trackingNumber: "RET-1"},
    lines: [{lineRef: $l, sku: $s, quantity: 1, reasonCode: "PF", reasonText: "Too small"}]}'
}
max=$(limit_of rmaRef)
ok_rma=$(str "$max" r RMA-)
check "rmaRef at $max" "$(api POST /return-advices "$(advice "$ok_rma" L-4 1 SKU-1)")" 202
check "rmaRef stored whole" "$(jq -r .rmaRef "$WORK/out")" "$ok_rma"
check "rmaRef at $((max + 1))" "$(api POST /return-advices "$(advice "$(str $((max + 1)) r)" L-4 1 SKU-1)")" 422
expect_too_long rmaRef /rmaRef
check "originalOrderRef at 32" "$(api POST /return-advices "$(advice RMA-O "$REF32" 1 SKU-1)")" 202
check "originalOrderRef at 33" "$(api POST /return-advices "$(advice RMA-O2 "$(str 33 9)" 1 SKU-1)")" 422
expect_too_long originalOrderRef /originalOrderRef
check "line lineRef at 32" "$(api POST /return-advices "$(advice RMA-L "$LINE32_ORDER" "$LINE32" SKU-1)")" 202
check "line lineRef at 33" "$(api POST /return-advices "$(advice RMA-L2 "$LINE32_ORDER" "$(str 33 7)" SKU-1)")" 422
expect_too_long "advice lineRef" /lines/0/lineRef
check "line sku at 40" "$(api POST /return-advices "$(advice RMA-S L-4 1 "$SKU40")")" 202
check "line sku at 41" "$(api POST /return-advices "$(advice RMA-S2 L-4 1 "$(str 41 s)")")" 422
expect_too_long "advice sku" /lines/0/sku

# --- cancel -------------------------------------------------------------------------
echo "# POST /orders/{orderRef}/cancel"
check "cancel lineRef at 33" "$(api POST "/orders/$LINE32_ORDER/cancel" \
  "$(jq -cn --arg l "$(str 33 7)" '{lines: [{lineRef: $l, quantity: 1}]}')")" 422
expect_too_long "cancel lineRef" /lines/0/lineRef
check "cancel lineRef at 32" "$(api POST "/orders/$LINE32_ORDER/cancel" \
  "$(jq -cn --arg l "$LINE32" '{lines: [{lineRef: $l, quantity: 1}]}')")" 202

# --- every contract field was exercised --------------------------------------
covered=$( (cut -d' ' -f2 <<<"$ORDER_CASES"; echo rmaRef; echo items.description) | sort -u)
check "every limit covered" "$(comm -23 <(cut -d' ' -f1 <<<"$LIMITS" | sort) <(echo "$covered") | tr '\n' ' ')" ""

kill -TERM "$SIM_PID"
rc=0
wait "$SIM_PID" || rc=$?
SIM_PID=""
[ "$rc" = 0 ] || fail "simulator exit status $rc"
if grep -E "Sanitizer|runtime error" "$WORK/sim.log" >/dev/null; then
  fail "sanitizer report"
fi
echo "$PASSES passed, $FAILS failed"
[ "$FAILS" = 0 ]
