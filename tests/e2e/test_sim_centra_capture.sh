# Simulated Centra, as Centra reports payment and cancellation problems:
# a payment provider that declines (POST /_sim/centra/captures) makes
# createShipment(capture: true) answer isCaptured false with a userWarning
# (the shipment still made) and captureShipment fail with a userError;
# cancelLines with a stockActionPolicy that does not set exactly one
# field is refused and cancels nothing; a root field switched to refuse
# (POST /_sim/centra/refuse) answers a GraphQL error and runs nothing.
source "$(dirname "$0")/sim_centra_lib.sh"
sim_start --seed 13
seed_basic

ctl POST /_sim/centra/orders '{"orders": [
  {"number": 3000, "lines": [{"sku": "TEE-WHT-M", "quantity": 3, "unitPrice": 20}]}]}'
check "seed order" "$STATUS" 201
L1=$(jqo '.[0].lines[0].id')

CREATE='mutation($in: ShipmentCreateInput!) { createShipment(input: $in) { shipment { id isCaptured } userErrors { message path } userWarnings { message path } } }'
CAPTURE='mutation($id: Int!) { captureShipment(id: $id) { shipment { id isCaptured } userErrors { message path } userWarnings { message } } }'
CANCEL='mutation($n: Int!, $lines: [OrderLineCancelInput!]!) { updateDirectToConsumerOrder(order: {number: $n}, input: {cancelLines: $lines}) { order { lines { id quantity cancelledQuantity } } userErrors { message path } } }'

echo "# the provider declines"
ctl POST /_sim/centra/captures '{"decline": "card expired"}'
check "switch on" "$(jqo '.decline')" "card expired"
gql "$CREATE" "{\"in\": {\"order\": {\"number\": 3000}, \"lines\": [{\"orderLine\": {\"id\": $L1}, \"quantity\": 1}], \"capture\": true}}"
check "created anyway" "$(jqo '.data.createShipment.userErrors | length')" 0
check "not captured" "$(jqo '.data.createShipment.shipment.isCaptured')" false
check "warning says why" "$(jqo '.data.createShipment.userWarnings[0].message')" "Capture failed: card expired"
SID=$(jqo '.data.createShipment.shipment.id')
gql "$CAPTURE" "{\"id\": $SID}"
check "captureShipment fails" "$(jqo '.data.captureShipment.userErrors[0].message')" "Capture failed: card expired"
check "still not captured" "$(jqo '.data.captureShipment.shipment.isCaptured')" false

echo "# the provider accepts again"
ctl POST /_sim/centra/captures '{"decline": null}'
check "switch off" "$(jqo '.decline')" null
gql "$CAPTURE" "{\"id\": $SID}"
check "captured" "$(jqo '.data.captureShipment.shipment.isCaptured')" true
gql "$CAPTURE" "{\"id\": $SID}"
check "twice refused" "$(jqo '.data.captureShipment.userErrors[0].message')" "Shipment is already captured"
ctl POST /_sim/centra/captures '{"decline": 5}'
check "bad switch" "$STATUS" 400

echo "# cancelLines: exactly one stock action"
gql "$CANCEL" "{\"n\": 3000, \"lines\": [{\"line\": {\"id\": $L1}, \"quantity\": 1, \"stockActionPolicy\": {}}]}"
check "no policy field refused" "$(jqo '.data.updateDirectToConsumerOrder.userErrors[0].path | join(".")')" "input.cancelLines"
gql "$CANCEL" "{\"n\": 3000, \"lines\": [{\"line\": {\"id\": $L1}, \"quantity\": 1, \"stockActionPolicy\": {\"removeItemsFromStock\": true, \"releaseItemsBackToWarehouse\": true}}]}"
check "two policy fields refused" "$(jqo '.data.updateDirectToConsumerOrder.userErrors | length')" 1
check "nothing cancelled" "$(jqo ".data.updateDirectToConsumerOrder.order.lines[] | select(.id == $L1) | .cancelledQuantity")" 0
gql "$CANCEL" "{\"n\": 3000, \"lines\": [{\"line\": {\"id\": $L1}, \"quantity\": 4, \"stockActionPolicy\": {\"releaseItemsBackToWarehouse\": true}}]}"
check "more than open refused" "$(jqo '.data.updateDirectToConsumerOrder.userErrors | length')" 1
gql "$CANCEL" "{\"n\": 3000, \"lines\": [{\"line\": {\"id\": $L1}, \"quantity\": 2, \"stockActionPolicy\": {\"releaseItemsBackToWarehouse\": true}}]}"
check "open units cancelled" "$(jqo ".data.updateDirectToConsumerOrder.order.lines[] | select(.id == $L1) | \"\(.quantity)/\(.cancelledQuantity)\"")" "1/2"

echo "# the payment history names the method"
PAID='query($n: Int!) { orders(where: {number: [$n]}, limit: 1) { paymentHistory { entryType paymentMethod } } }'
ctl POST /_sim/centra/orders '{"number": 3001, "paymentMethod": "klarna", "lines": [{"sku": "TEE-WHT-M", "quantity": 1, "unitPrice": 20}]}'
gql "$PAID" '{"n": 3001}'
check "authorised by klarna" "$(jqo '.data.orders[0].paymentHistory[0] | "\(.entryType)/\(.paymentMethod)"')" "AUTH/klarna"
gql "$PAID" '{"n": 3000}'
check "captures keep the method" "$(jqo '[.data.orders[0].paymentHistory[].paymentMethod] | unique | join(",")')" "sim"

echo "# a root field refused"
SHIPMENTS='query { shipments(limit: 5) { id } }'
ctl POST /_sim/centra/refuse '{"field": "shipments", "message": "not for this token"}'
check "refuse on" "$(jqo '.field')" "shipments"
gql "$SHIPMENTS"
check "field error" "$(jqo '.errors[0].message')" "not for this token"
check "its path" "$(jqo '.errors[0].path[0]')" "shipments"
check "no data" "$(jqo '.data')" null
ctl POST /_sim/centra/refuse '{"field": null}'
check "refuse off" "$(jqo '.field')" null
gql "$SHIPMENTS"
check "answered again" "$(jqo '.data.shipments | length')" 1
ctl POST /_sim/centra/refuse '{"field": 5}'
check "bad refuse" "$STATUS" 400

finish
