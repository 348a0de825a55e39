# Every document of tests/sim/centra-queries-expected.md (a copy of the
# reference list of what the engine sends, each validated against the
# schema) against a seeded simulator: 200, no errors, no userErrors, and
# data that means something. Ends with zero refusals recorded.
source "$(dirname "$0")/sim_centra_lib.sh"
sim_start --seed 11
seed_basic

DOCS="${CG_SOURCE_DIR:?}/tests/sim/centra-queries-expected.md"
awk -v dir="$WORK" '/^```graphql$/ {n++; f=dir "/doc" n ".graphql"; next}
  /^```$/ {f=""; next} f {print > f}' "$DOCS"
SENT=""

# op NAME VARIABLES_JSON: sends the block declaring operation NAME.
op() {
  local file
  file=$(grep -lE "^(query|mutation) $1[ ({]" "$WORK"/doc*.graphql | head -1)
  [ -n "$file" ] || { check "document $1 found" missing found; return; }
  jq -cn --rawfile q "$file" --argjson v "$2" --arg n "$1" \
    '{query: $q, variables: $v, operationName: $n}' >"$WORK/req"
  raw_post /graphql "$WORK/req"
  SENT="$SENT $1"
  check "$1: 200" "$STATUS" 200
  check "$1: no errors" "$(jqo '.errors // [] | length')" 0
  check "$1: no userErrors" "$(jqo '[.data[]? | objects | .userErrors // [] | .[]] | length')" 0
}

order() { # number sku qty [extra json]
  ctl POST /_sim/centra/orders "$(jq -cn --argjson n "$1" --arg s "$2" \
    --argjson q "$3" --argjson x "${4:-{\}}" '{number: $n, currency: "SEK",
    shippingAddress: {firstName: "Anna", lastName: "Svensson",
      address1: "Storgatan 1", city: "Stockholm", zipCode: "11122",
      country: "SE", email: "anna@example.com"},
    lines: [{sku: $s, quantity: $q, unitPrice: 100},
            {sku: "TEE-WHT-M", quantity: 1, unitPrice: 10}]} + $x')"
  check "seed order $1" "$STATUS" 201
}
order 1000 COAT-BLK-38 2
order 1001 COAT-BLK-40 1 '{"isWaitingForPayment": true}'

echo "# 1 events"
op SetListeners '{}'
check "listeners" "$(jqo '[.data.setEventListeners.eventListeners[].objectType] | join(",")')" "Order,Shipment,Return,ProductSize"
check "ProductSize: every change type" "$(jqo '.data.setEventListeners.eventListeners[3].changeTypes | length')" 5
op PollEvents '{"limit": 50}'
check "order events" "$(jqo '[.data.events[] | select(.objectType == "Order")] | length')" 2
check "event object typed" "$(jqo '.data.events[0].object | [.__typename, .orderNumber, .status] | join(",")')" "DirectToConsumerOrder,1000,CONFIRMED"
check "event store" "$(jqo '.data.events[0].store.id')" 1
check "only selected event fields" "$(jqo '.data.events[0].object | keys | join(",")')" "__typename,isOnHold,orderId,orderNumber,status"
IDS=$(jqo '[.data.events[].id]')
op ConfirmEvents "{\"ids\": $IDS}"
check "confirmed" "$(jqo '.data.confirmEvents.events | length')" "$(jq length <<<"$IDS")"

echo "# 2 orders"
op ReadyOrders '{"since": "2000-01-01T00:00:00+00:00", "limit": 50, "page": 1}'
check "ready orders (not waiting for payment)" "$(jqo '[.data.orders[].number] | join(",")')" 1000
check "order shape" "$(jqo '.data.orders[0] | [.store.type, .market.name, .grandTotal.currency.code, .lines[0].productSize.SKU, .lines[0].unitPrice.value, .customer.email, .shippingAddress.country.code] | join(",")')" "DIRECT_TO_CONSUMER,Default,SEK,COAT-BLK-38,100,anna@example.com,SE"
HASH=$(jqo '.data.orders[0].id')
L1=$(jqo '.data.orders[0].lines[0].id')
L2=$(jqo '.data.orders[0].lines[1].id')
op OrderByNumber '{"number": 1000}'
check "by number" "$(jqo '.data.orders[0].lines | length')" 2
op CancelShortShipped "{\"orderNumber\": 1000, \"lineId\": $L2, \"qty\": 1, \"comment\": \"short\"}"
check "line cancelled" "$(jqo ".data.updateDirectToConsumerOrder.order.lines[] | select(.id == $L2) | .cancelledQuantity")" 1
op OrderByNumber '{"number": 1000}'
check "fully cancelled line still listed when asked" "$(jqo '.data.orders[0].lines | length')" 2
gql 'query($n: Int!) { orders(where: {number: [$n]}) { lines { id } } }' '{"n": 1000}'
check "fully cancelled line hidden by default" "$(jqo '.data.orders[0].lines | length')" 1
op MarkExported '{"orderNumber": 1000, "externalId": "GXO-1000"}'
op ExportedOrder '{"externalId": "GXO-1000"}'
check "idConversions" "$(jqo '.data.idConversions[0] | [.internalId, .externalId, .objectType, .integrationName] | join(",")')" "1000,GXO-1000,Order,centra-gxo"
op ExportedOrder '{"externalId": "nope"}'
check "idConversions miss" "$(jqo '.data.idConversions | length')" 0

echo "# 3 shipments"
op CreateShipment "{\"orderNumber\": 1000, \"lines\": [{\"orderLine\": {\"id\": $L1}, \"quantity\": 2}]}"
check "captured" "$(jqo '.data.createShipment.shipment | [.isCaptured, .isPaid, .isGoodToGo] | join(",")')" "true,true,true"
SID=$(jqo '.data.createShipment.shipment.id')
op TagShipment "{\"id\": $SID, \"externalId\": \"DSP-1\"}"
op ShipmentByExternalId '{"externalId": "DSP-1"}'
check "by externalId" "$(jqo '.data.shipments[0].id')" "$SID"
op GoodToGoShipments '{"limit": 10, "page": 1}'
check "good to go" "$(jqo '.data.shipments[0] | [.id, .order.number, .lines[0].orderLine.productNumber, .lines[0].quantity] | join(",")')" "$SID,1000,M411740,2"
op OrderByHash "{\"id\": \"$HASH\"}"
check "order shipments" "$(jqo '.data.order.shipments[0].lines[0].orderLine.id')" "$L1"
op CompleteShipment "{\"id\": $SID, \"shippedAt\": \"now\", \"carrier\": \"DHL\", \"service\": \"Express\", \"tracking\": \"TRK1\", \"packages\": 1}"
check "shipped" "$(jqo '.data.completeShipment.shipment | [.isShipped, .trackingNumber, .carrierInformation.carrierName] | join(",")')" "true,TRK1,DHL"
L3=$(curl -s "$C/_sim/centra/orders/1001" | jq '.lines[0].id')
op CreateShipment "{\"orderNumber\": 1001, \"lines\": [{\"orderLine\": {\"id\": $L3}, \"quantity\": 1}]}"
check "capture failed: a warning" "$(jqo '.data.createShipment.userWarnings | length')/$(jqo '.data.createShipment.shipment.isCaptured')" "1/false"
SID2=$(jqo '.data.createShipment.shipment.id')
ctl POST /_sim/centra/orders/1001 '{"isWaitingForPayment": false}'
op Capture "{\"id\": $SID2}"
check "capture" "$(jqo '.data.captureShipment | [.shipment.isCaptured, .paymentHistoryEntry.status, .paymentHistoryEntry.entryType] | join(",")')" "true,SUCCESS,CAPTURE"

echo "# 4 stock"
op SetStock '{"warehouseId": 1, "description": "count", "sizes": [{"productSize": {"SKU": "TEE-WHT-M"}, "quantity": 12}]}'
check "stock change id" "$(jqo '.data.setStock.stockChanges | length')" 1
VID=$(curl -s -X POST -H 'Authorization: Bearer centra-dev-token' -H 'Content-Type: application/json' \
  --data-binary '{"query": "{ productSizes(where: {SKU: {equals: \"COAT-BLK-40\"}}) { productVariant { id } } }"}' \
  "$C/graphql" | jq '.data.productSizes[0].productVariant.id')
op ReceiveStock "{\"warehouseId\": 1, \"description\": \"receipt\", \"variantId\": $VID, \"sizeName\": \"40\", \"qty\": 3}"
check "changeStock by variant and size" "$(jqo '.data.changeStock.stockChange.id > 0')" true
op StockForSku '{"sku": "COAT-BLK-40", "warehouseId": 1}'
check "stock totals" "$(jqo '.data.productSizes[0].stockTotals | [.physicalQuantity, .allocatedQuantity, .freeToAllocateQuantity] | join(",")')" "7,1,6"
op StockForSku '{"sku": "COAT-BLK-40", "warehouseId": 2}'
check "stock totals of another warehouse" "$(jqo '.data.productSizes[0].stockTotals.physicalQuantity')" 0

echo "# 5 items"
op ItemMaster '{"page": 1, "limit": 10}'
check "products" "$(jqo '.data.products | length')/$(jqo '.data.counters.products')" "2/2"
check "product tree" "$(jqo '.data.products[] | select(.productNumber == "M411740") | [.name, (.variants[0].productSizes | length), .variants[0].productSizes[0].SKU] | join(",")')" "Wool coat,2,COAT-BLK-38"
op ChangedSizes '{"since": "2000-01-01T00:00:00+00:00", "limit": 10, "page": 1}'
check "changed sizes" "$(jqo '.data.productSizes | length')" 3

echo "# 6 returns"
SL=$(curl -s -X POST -H 'Authorization: Bearer centra-dev-token' -H 'Content-Type: application/json' \
  --data-binary "{\"query\": \"{ shipments(where: {id: [$SID]}) { lines { id } } }\"}" "$C/graphql" | jq '.data.shipments[0].lines[0].id')
op CreateReturn "{\"shipmentId\": $SID, \"shipmentLineId\": $SL, \"qty\": 1, \"externalId\": \"RMA-1\", \"comment\": \"too big\"}"
check "return created" "$(jqo '.data.createReturn.return | [.returnStatus, .externalId, .lines[0].quantity] | join(",")')" "PENDING,RMA-1,1"
RID=$(jqo '.data.createReturn.return.id')
op CompleteReturn "{\"id\": $RID}"
check "return completed" "$(jqo '.data.completeReturn.return.returnStatus')" COMPLETED
op RefundReturn "{\"id\": $RID}"
check "refund entry" "$(jqo '.data.refundReturn.paymentHistoryEntries[0] | [.status, .value.value] | join(",")')" "SUCCESS,100"
op Returns '{"since": "2000-01-01T00:00:00+00:00", "limit": 10, "page": 1}'
check "returns" "$(jqo '.data.returns[0] | [.id, .returnedToStock, .lines[0].orderLine.productNumber, .returnWarehouse.name] | join(",")')" "$RID,true,M411740,GXO"

echo "# 7 rateLimits"
op RateLimits '{}'
check "six buckets" "$(jqo '[.data.rateLimits[] | .type + "/" + .intervalSeconds] | sort | join(",")')" \
  "MUTATION_COUNT/ONE_HOUR,MUTATION_COUNT/TEN_SECONDS,QUERY_COMPLEXITY/ONE_HOUR,QUERY_COMPLEXITY/TEN_SECONDS,REQUEST_COUNT/ONE_HOUR,REQUEST_COUNT/TEN_SECONDS"

echo "# every document was sent"
for name in $(grep -hoE "^(query|mutation) [A-Za-z]+" "$WORK"/doc*.graphql | awk '{print $2}'); do
  case " $SENT " in *" $name "*) ;; *) check "document $name sent" no yes ;; esac
done
ctl GET /_sim/centra/refusals
check "no refusals" "$(jqo '.count')" 0
