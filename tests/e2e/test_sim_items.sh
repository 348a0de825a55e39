# The simulators' product master (issue 11): Centra's products query
# sorted by id_DESC and updatedAt_DESC, Product.updatedAt moved by product
# and size changes but not by stock, Product/ProductSize events for
# products created and changed at run time (none for a seeded catalogue),
# a change with "touch": false that moves nothing; the warehouse's item
# read-back (creates, updates, same-content upserts per SKU), its reject
# rules per SKU, and the count of orders refused for an unknown SKU.
source "$(dirname "$0")/sim_centra_lib.sh"
sim_start --seed 5
seed_basic

PRODUCTS='query($sort: [ProductSort!]) { products(sort: $sort, limit: 10) { id productNumber updatedAt variants { productSizes { SKU EAN } } } }'
gql "$PRODUCTS" '{"sort": ["id_DESC"]}'
check "id_DESC" "$(jqo '[.data.products[].productNumber] | join(",")')" "TEE-WHT-M,M411740"
OLD=$(jqo '.data.products[1].updatedAt')
gql '{ events { objectType } }'
check "seeded quietly" "$(jqo '.data.events | length')" 0

sleep 1.1 # updatedAt has seconds
ctl POST /_sim/centra/stock '{"items": [{"sku": "COAT-BLK-38", "quantity": 99}]}'
gql "$PRODUCTS" '{"sort": ["id_DESC"]}'
check "stock leaves Product.updatedAt" "$(jqo '.data.products[1].updatedAt')" "$OLD"

ctl POST /_sim/centra/products/update '{"sku": "COAT-BLK-40", "ean": "5772428049999", "harmonizedCommodityCode": "620193"}'
check "update" "$STATUS" 200
check "update answers the product" "$(jqo '.[0].variants[0].productSizes[1].EAN')" 5772428049999
gql "$PRODUCTS" '{"sort": ["updatedAt_DESC"]}'
check "updatedAt_DESC: changed first" "$(jqo '[.data.products[].productNumber] | join(",")')" "M411740,TEE-WHT-M"
check "Product.updatedAt moved" "$(jq -r --arg o "$OLD" '.data.products[0].updatedAt > $o' "$OUT")" true
gql '{ events { objectType changeType object { __typename ... on Product { productNumber harmonizedCommodityCode } ... on ProductSize { SKU } } } }'
check "change events" "$(jqo '[.data.events[] | "\(.objectType)/\(.changeType)"] | join(",")')" "ProductSize/UPDATED,ProductSize/UPDATED,Product/UPDATED"
check "Product event object" "$(jqo '.data.events[2].object | "\(.__typename) \(.productNumber) \(.harmonizedCommodityCode)"')" "Product M411740 620193"

ctl POST /_sim/centra/products/create '{"products": [{"productNumber": "NEW-1", "name": "Launch", "harmonizedCommodityCode": "610910", "countryOfOrigin": "PT", "variants": [{"variantNumber": "RED", "name": "Red", "sizes": [{"size": "S", "sku": "NEW-1-S", "ean": "5772428050001"}, {"size": "M", "sku": "NEW-1-M", "ean": "5772428050002"}]}]}]}'
check "create" "$STATUS" 200
gql '{ events(where: {changeType: [CREATED]}) { objectType object { ... on Product { productNumber countryOfOrigin { code } } ... on ProductSize { SKU } } } }'
check "created events" "$(jqo '[.data.events[] | .objectType] | join(",")')" "ProductSize,ProductSize,Product"
check "created product" "$(jqo '.data.events[2].object | "\(.productNumber) \(.countryOfOrigin.code)"')" "NEW-1 PT"
gql "$PRODUCTS" '{"sort": ["id_DESC"]}'
check "id_DESC: newest first" "$(jqo '.data.products[0].productNumber')" NEW-1

gql '{ events { id } }'
N=$(jqo '.data.events | length')
ctl POST /_sim/centra/products/update '{"productNumber": "NEW-1", "name": "Silent", "touch": false}'
gql '{ events { id } }'
check "touch false: no event" "$(jqo '.data.events | length')" "$N"
gql "$PRODUCTS" '{"sort": ["updatedAt_ASC"]}'
check "updatedAt_ASC" "$(jqo '.data.products[0].productNumber')" TEE-WHT-M
ctl POST /_sim/centra/products/update '{"productNumber": "NOPE"}'
check "unknown product" "$STATUS" 404
gql '{ products(sort: [name_ASC]) { id } }'
check "unknown sort refused" "$(jqo '.errors | length > 0')" true

echo "# warehouse item master"
TOK=$(wms_token)
wput() { # sku json
  STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -X PUT -H "Authorization: Bearer $TOK" \
    -H 'Content-Type: application/json' --data-binary "$2" "$G/wms/v1/items/$1")
}
ITEM='{"sku": "A-1", "gtin": "5772428050001", "description": "A", "uom": "EA", "hsCode": "610910"}'
wput A-1 "$ITEM"
check "created" "$STATUS" 201
wput A-1 "$ITEM"
check "same content" "$STATUS" 200
wput A-1 '{"sku": "A-1", "gtin": "5772428050001", "description": "B", "uom": "EA", "hsCode": "610910"}'
C0=$C; C=$G
ctl GET "/_sim/wms/items?sku=A-1"
check "read-back" "$(jqo '.items[0] | "\(.creates) \(.updates) \(.unchanged) \(.item.description)"')" "1 1 1 B"
ctl POST /_sim/wms/items/rules '{"sku": "A-1", "code": "item-blocked", "message": "blocked by QA", "pointer": "/sku"}'
check "rule set" "$(jqo '."A-1".code')" item-blocked
wput A-1 "$ITEM"
check "rule refuses" "$STATUS/$(jqo '.code')" "422/item-blocked"
ctl POST /_sim/wms/items/rules '{"rules": [{"sku": "A-1", "code": null}]}'
wput A-1 "$ITEM"
check "rule lifted" "$STATUS" 200
ORDER='{"orderRef": "SIM-1", "lines": [{"lineRef": "1", "sku": "NOT-THERE", "quantity": 1}]}'
STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOK" \
  -H 'Idempotency-Key: k-1' -H 'Content-Type: application/json' --data-binary "$ORDER" "$G/wms/v1/orders")
check "unknown sku order" "$STATUS" 422
ctl GET /_sim/wms/stats
check "stats" "$(jqo '"\(.itemPuts) \(.itemsUpdated) \(.itemsUnchanged) \(.itemsRejected) \(.unknownSkuOrders)"')" "5 2 1 1 1"
C=$C0
