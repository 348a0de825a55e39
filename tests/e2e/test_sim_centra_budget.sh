# Simulated Centra: the mutation and request budgets per 10 s. Over it, HTTP 429 with
# Retry-After and nothing executed; queries still pass; rateLimits reports
# the use; the window frees after Retry-After seconds.
source "$(dirname "$0")/sim_centra_lib.sh"
sim_start --seed 5 --centra-mutation-budget 3
seed_basic

SET='mutation($q: Int!) { setStock(input: {warehouse: {id: 1}, description: "count", stockQuantityType: PHYSICAL, productSizes: [{productSize: {SKU: "TEE-WHT-M"}, quantity: $q}]}) { userErrors { message } } }'
for q in 1 2 3; do
  gql "$SET" "{\"q\": $q}"
  check "mutation $q admitted" "$STATUS" 200
done
gql "$SET" '{"q": 99}'
check "over budget 429" "$STATUS" 429
RA=$(grep -i '^retry-after:' "$HDR" | tr -d '\r' | awk '{print $2}')
check "Retry-After within window" "$([ -n "$RA" ] && [ "$RA" -ge 1 ] && [ "$RA" -le 10 ] && echo yes)" yes
check "429 body" "$(jqo '.errors[0].extensions.category')" rate_limit
gql '{ productSizes(where: {SKU: {equals: "TEE-WHT-M"}}) { stockTotals(where: {warehouseId: [1]}) { physicalQuantity } } }'
check "queries still served" "$STATUS" 200
check "refused mutation not executed" "$(jqo '.data.productSizes[0].stockTotals.physicalQuantity')" 3
gql '{ rateLimits { type intervalSeconds quota usedQuota remainingQuota } }'
check "rateLimits" "$(jqo '.data.rateLimits[] | select(.type == "MUTATION_COUNT" and .intervalSeconds == "TEN_SECONDS") | "\(.type) \(.quota) \(.usedQuota) \(.remainingQuota)"')" "MUTATION_COUNT 3 3 0"
ctl GET /_sim/centra/stock/writes
check "three writes only" "$(jqo 'length')" 3
echo "  waiting ${RA}s for the window"
sleep "$RA"
gql "$SET" '{"q": 4}'
check "admitted after Retry-After" "$STATUS" 200

# The request budget: every query and mutation counts (a fresh simulator
# with 5 requests per 10 s).
sim_stop
sim_start --seed 5 --centra-request-budget 5
for i in 1 2 3 4; do
  gql '{ rateLimits { type } }'
  check "request $i admitted" "$STATUS" 200
done
gql '{ rateLimits { type intervalSeconds quota usedQuota } }'
check "rateLimits reports the request bucket" "$(jqo '.data.rateLimits[] | select(.type == "REQUEST_COUNT" and .intervalSeconds == "TEN_SECONDS") | "\(.quota) \(.usedQuota)"')" "5 5"
gql '{ rateLimits { type } }'
check "request over budget 429" "$STATUS" 429
check "request 429 body" "$(jqo '.errors[0].message')" "Too Many Requests: request budget exceeded"
grep -qi '^retry-after:' "$HDR" && check "request 429 has Retry-After" yes yes ||
  check "request 429 has Retry-After" no yes
