#!/usr/bin/env bash
# The simulator's controls the dispatch scale test and bench rely on:
# the warehouse's dispatch and split dated on a simulated day
# ("shippedAt", normalised to UTC; a bad one refused with 422 and
# nothing shipped), and the simulated Centra's request counts per
# operationName and status (GET/DELETE /_sim/centra/operations).
source "$(dirname "$0")/sim_centra_lib.sh"
sim_start --seed 5

# wctl METHOD PATH [JSON]: the warehouse's control API, like ctl.
wctl() {
  STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -X "$1" \
    -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$G$2")
}

WT=$(wms_token)
[ -n "$WT" ] || { echo "FAIL: no warehouse token"; exit 1; }
wctl POST /_sim/wms/items '[{"sku":"S1","hsCode":"1"}]'
for ref in R-1 R-2; do
  curl -s -o "$OUT" -X POST "$G/wms/v1/orders" -H "Authorization: Bearer $WT" \
    -H "Idempotency-Key: k-$ref" -H 'Content-Type: application/json' \
    -d "{\"orderRef\":\"$ref\",\"shipTo\":{\"name\":\"A B\",\"address1\":\"S 1\",\"city\":\"X\",\"postalCode\":\"1\",\"countryCode\":\"SE\"},\"shipping\":{\"carrierCode\":\"POSTNORD\",\"serviceCode\":\"PN-MYPACK-HOME\"},\"lines\":[{\"lineRef\":\"1\",\"sku\":\"S1\",\"quantity\":3}]}"
done
sleep 0.3 # acceptAfterMs 50

echo "# dispatch on a simulated day"
wctl POST /_sim/wms/orders/R-1/dispatch '{"lines":[{"lineRef":"1","quantity":1}],"shippedAt":"yesterday"}'
check "bad shippedAt refused" "$STATUS" 422
wctl POST /_sim/wms/orders/R-1/dispatch '{"lines":[{"lineRef":"1","quantity":1}],"shippedAt":42}'
check "a number is no date" "$STATUS" 422
wctl GET /_sim/wms/orders/R-1
check "nothing shipped by a refusal" "$(jqo '.shipments | length')" 0
wctl POST /_sim/wms/orders/R-1/dispatch '{"lines":[{"lineRef":"1","quantity":1}],"shippedAt":"2026-03-02T16:30:00+02:00"}'
check "dated dispatch" "$STATUS" 200
wctl POST /_sim/wms/orders/R-1/dispatch '{"shippedAt":"2026-03-04T09:00:00.250Z"}'
wctl GET /_sim/wms/orders/R-1
check "each consignment its day, in UTC" "$(jqo '[.shipments[].shippedAt] | join(",")')" \
  "2026-03-02T14:30:00Z,2026-03-04T09:00:00Z"
wctl POST /_sim/wms/orders/R-2/split '{"shipments":3,"shippedAt":"2026-03-05T10:00:00Z"}'
wctl GET /_sim/wms/orders/R-2
check "a split dated whole" "$(jqo '[.shipments[].shippedAt] | unique | join(",")')" "2026-03-05T10:00:00Z"
curl -s -o "$OUT" "$G/wms/v1/events?after=0" -H "Authorization: Bearer $WT"
check "the event carries it" \
  "$(jqo '[.events[] | select(.eventType == "shipment.confirmed") | .data.shippedAt][0]')" \
  "2026-03-02T14:30:00Z"

echo "# Centra calls per operation"
ctl DELETE /_sim/centra/operations
check "reset answers empty" "$(jqo '.total')" 0
# named: the body's operationName counts (as the engine sends it)
named() { # name document [token]
  jq -cn --arg q "$2" --arg n "$1" '{query: $q, operationName: $n}' >"$WORK/req"
  raw_post /graphql "$WORK/req" "${3:-$TOKEN}"
}
named Rl 'query Rl { rateLimits { type } }'
named Rl 'query Rl { rateLimits { type } }'
gql 'query Rl { rateLimits { type } }' # no operationName in the body
named Bad 'query Bad { noSuchField }'
named Rl 'query Rl { rateLimits { type } }' wrong-token
ctl GET /_sim/centra/operations
check "counted by name" "$(jqo '.operations.Rl.calls')" 2
check "by status" "$(jqo '.operations.Rl.statuses["200"]')" 2
check "anonymous" "$(jqo '.operations["(anonymous)"].calls')" 1
check "a refusal is counted with its 400" "$(jqo '.operations.Bad.statuses["400"]')" 1
check "total (the bad token is not counted)" "$(jqo '.total')" 4
ctl DELETE /_sim/centra/operations
ctl GET /_sim/centra/operations
check "emptied" "$(jqo '.operations | length')" 0

echo "# the hourly request quota follows a raised request budget"
HOUR='{ rateLimits { type intervalSeconds quota } }'
hour_quota() { jqo '.data.rateLimits[] | select(.type == "REQUEST_COUNT" and .intervalSeconds == "ONE_HOUR") | .quota'; }
gql "$HOUR"
check "standard plan: 100,000 an hour" "$(hour_quota)" 100000
sim_stop
sim_start --seed 5 --centra-request-budget 1000
gql "$HOUR"
check "raised: 360 x the 10 s budget" "$(hour_quota)" 360000
