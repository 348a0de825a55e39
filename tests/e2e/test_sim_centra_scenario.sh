# Simulated Centra scenarios: a catalogue plus generated orders is the same
# for the same seed (and differs for another), with exactly the requested
# "bad" orders; explicit order lists load as given.
source "$(dirname "$0")/sim_centra_lib.sh"
cat >"$WORK/scenario.json" <<'JSON'
{"catalogue": {"products": [
   {"productNumber": "M411740", "name": "Wool coat", "variants": [
     {"variantNumber": "BLK", "name": "Black", "sizes": [
       {"size": "38", "sku": "COAT-BLK-38", "ean": "5772428043001", "stock": 100},
       {"size": "40", "sku": "COAT-BLK-40", "ean": "5772428043002", "stock": 100}]},
     {"variantNumber": "NVY", "name": "Navy", "sizes": [
       {"size": "38", "sku": "COAT-NVY-38", "ean": "5772428043011", "stock": 100}]}]},
   {"sku": "TEE-WHT-M", "ean": "5772428043100", "name": "Tee", "stock": 500},
   {"sku": "CAP-BLK", "ean": "5772428043200", "name": "Cap", "stock": 80}]},
 "orders": {"generate": 40,
   "shippingOptions": [{"id": 1, "name": "PostNord Home", "uri": "postnord-home"},
                       {"id": 2, "name": "DHL Express", "uri": "dhl-express"}],
   "bad": {"unmappedShippingOption": 2, "badAddress": 3, "unknownSku": 1}}}
JSON

# Orders without the run-dependent fields (timestamps, at any depth: an
# order's product sizes carry their own updatedAt).
snapshot() {
  curl -s "$C/_sim/centra/orders" |
    jq -S 'walk(if type == "object" then del(.orderDate, .createdAt, .updatedAt) else . end)' >"$1"
}

sim_start --seed 42 --scenario "$WORK/scenario.json"
snapshot "$WORK/a.json"
sim_stop
sim_start --seed 42 --scenario "$WORK/scenario.json"
snapshot "$WORK/b.json"
sim_stop
sim_start --seed 43 --scenario "$WORK/scenario.json"
snapshot "$WORK/c.json"
sim_stop

cp "$WORK/a.json" "$OUT"
check "40 orders" "$(jqo 'length')" 40
check "numbers from 1000" "$(jqo '[.[0].number, .[39].number] | join(",")')" "1000,1039"
check "same seed, same orders" "$(cmp -s "$WORK/a.json" "$WORK/b.json" && echo same)" same
check "other seed, other orders" "$(cmp -s "$WORK/a.json" "$WORK/c.json" || echo differ)" differ
check "unmapped shipping option" "$(jqo '[.[] | select(.shippingPriceGroup.shippingOption.uri == "carrier-pigeon")] | length')" 2
check "bad addresses" "$(jqo '[.[] | select(.shippingAddress.zipCode == null or .shippingAddress.zipCode == "XX-00000-YY")] | length')" 3
check "unknown SKU" "$(jqo '[.[] | select(any(.lines[]; .productSize.SKU == "NOPE-SKU-1"))] | length')" 1
check "good options mapped" "$(jqo '[.[] | .shippingPriceGroup.shippingOption.uri] | unique | join(",")')" "carrier-pigeon,dhl-express,postnord-home"
check "1-4 lines" "$(jqo '[.[] | .lines | length] | (min >= 1 and max <= 4)')" true
check "countries" "$(jqo '[.[] | .shippingAddress.country.code] | unique | length > 3')" true
check "all CONFIRMED" "$(jqo '[.[] | .status] | unique | join(",")')" CONFIRMED

echo "# explicit list and a seed inside the document"
cat >"$WORK/explicit.json" <<'JSON'
{"catalogue": [{"sku": "A-1", "ean": "1", "stock": 3}, {"sku": "B-1", "ean": "2"}],
 "orders": [{"number": 7000, "lines": [{"sku": "A-1", "quantity": 2, "unitPrice": 10}],
             "shippingAddress": {"firstName": "Ingrid", "country": "NO", "zipCode": "0159"},
             "shippingOption": {"id": 3, "name": "Posten", "uri": "posten"}},
            {"lines": [{"sku": "B-1"}], "status": "PENDING", "isWaitingForPayment": true}]}
JSON
sim_start --seed 1 --scenario "$WORK/explicit.json"
ctl GET /_sim/centra/orders
check "explicit orders" "$(jqo '[.[] | "\(.number):\(.status):\(.isWaitingForPayment)"] | join(",")')" "7000:CONFIRMED:false,7001:PENDING:true"
check "explicit total" "$(jqo '.[0].grandTotal.value')" 20
ctl POST /_sim/centra/scenario '{"orders": {"generate": 3, "seed": 99}}'
check "scenario via control" "$STATUS/$(jqo '.orders')" "200/5"
ctl POST /_sim/centra/scenario '{"orders": {"generate": 2, "bad": {"badAddress": 3}}}'
check "too many bad refused" "$STATUS" 400
