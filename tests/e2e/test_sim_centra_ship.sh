# Simulated Centra: createShipment/completeShipment drive CONFIRMED ->
# PROCESSING -> SHIPPED with line quantities and stock; over-shipping, hold
# and status refusals as userErrors; returns completed and refunded.
source "$(dirname "$0")/sim_centra_lib.sh"
sim_start --seed 11
seed_basic

ctl POST /_sim/centra/orders '{"orders": [
  {"number": 2000, "currency": "EUR",
   "shippingOption": {"id": 2, "name": "DHL Express", "uri": "dhl-express"},
   "shippingAddress": {"firstName": "Sophie", "lastName": "Schneider",
     "address1": "Friedrichstrasse 43", "city": "Berlin", "zipCode": "10117",
     "country": "DE", "email": "sophie@example.com"},
   "lines": [{"sku": "COAT-BLK-38", "quantity": 2, "unitPrice": 450.5},
             {"sku": "TEE-WHT-M", "quantity": 1, "unitPrice": 20}]},
  {"number": 2001, "isOnHold": true, "lines": [{"sku": "TEE-WHT-M", "quantity": 1}]},
  {"number": 2002, "status": "PENDING", "lines": [{"sku": "TEE-WHT-M", "quantity": 1}]}]}'
check "seed orders" "$STATUS" 201
L1=$(jqo '.[0].lines[0].id'); L2=$(jqo '.[0].lines[1].id')

ctl GET /_sim/centra/stock
check "allocated before shipping" "$(jqo '.[] | select(.sku == "COAT-BLK-38") | "\(.physical)/\(.allocated)"')" "10/2"

CREATE='mutation($in: ShipmentCreateInput!) { createShipment(input: $in) { shipment { id number lines { quantity } } userErrors { message path } userWarnings { message } } }'
COMPLETE='mutation($id: Int!, $in: ShipmentCompleteInput!) { completeShipment(id: $id, input: $in) { shipment { isShipped } userErrors { message path } } }'

echo "# refusals"
gql "$CREATE" "{\"in\": {\"order\": {\"number\": 2000}, \"lines\": [{\"orderLine\": {\"id\": $L1}, \"quantity\": 3}], \"capture\": true}}"
check "over-shipping userError" "$(jqo '.data.createShipment.userErrors[0].path | join(".")')" "input.lines.0.quantity"
check "over-shipping no shipment" "$(jqo '.data.createShipment.shipment')" null
gql "$CREATE" "{\"in\": {\"order\": {\"number\": 2000}, \"lines\": [{\"orderLine\": {\"id\": $L1}, \"quantity\": 1}, {\"orderLine\": {\"id\": $L1}, \"quantity\": 2}]}}"
check "same line twice cannot over-ship" "$(jqo '.data.createShipment.userErrors[0].path | join(".")')" "input.lines.1.quantity"
gql "$CREATE" '{"in": {"order": {"number": 2000}, "lines": [{"orderLine": {"id": 424242}, "quantity": 1}]}}'
check "unknown line userError" "$(jqo '.data.createShipment.userErrors[0].path | join(".")')" "input.lines.0.orderLine"
gql "$CREATE" '{"in": {"order": {"number": 2001}, "lines": [{"orderLine": {"id": 3}, "quantity": 1}]}}'
check "on hold userError" "$(jqo '.data.createShipment.userErrors[0].message | test("hold")')" true
gql "$CREATE" '{"in": {"order": {"number": 2002}, "lines": [{"orderLine": {"id": 4}, "quantity": 1}]}}'
check "PENDING userError" "$(jqo '.data.createShipment.userErrors[0].message | test("PENDING")')" true
ctl GET /_sim/centra/shipments
check "refusals create nothing" "$(jqo 'length')" 0

echo "# first shipment: one coat"
gql "$CREATE" "{\"in\": {\"order\": {\"number\": 2000}, \"lines\": [{\"orderLine\": {\"id\": $L1}, \"quantity\": 1}], \"capture\": true, \"isGoodToGo\": true}}"
check "created" "$(jqo '.data.createShipment.userErrors | length')" 0
S1=$(jqo '.data.createShipment.shipment.id')
check "shipment number" "$(jqo '.data.createShipment.shipment.number')" "2000-1"
ctl GET /_sim/centra/orders/2000
check "still CONFIRMED before completion" "$(jqo '.status')" CONFIRMED
gql "$COMPLETE" "{\"id\": $S1, \"in\": {\"sendEmail\": true, \"shipmentInfo\": {\"carrier\": \"DHL\", \"service\": \"Express\", \"trackingNumber\": \"JD0001\", \"packagesNumber\": 1}}}"
check "completed" "$(jqo '.data.completeShipment.shipment.isShipped')" true
ctl GET /_sim/centra/orders/2000
check "PROCESSING" "$(jqo '.status')" PROCESSING
check "line shipped 1" "$(jqo ".lines[] | select(.id == $L1) | .shippedQuantity")" 1
check "tracking on shipment" "$(jqo '.shipments[0] | "\(.trackingNumber)/\(.carrierInformation.carrierName)/\(.numberOfPackages)"')" "JD0001/DHL/1"
gql "$COMPLETE" "{\"id\": $S1, \"in\": {\"sendEmail\": false, \"shipmentInfo\": {\"carrier\": \"DHL\"}}}"
check "complete twice userError" "$(jqo '.data.completeShipment.userErrors | length')" 1
ctl GET /_sim/centra/stock
check "stock decremented" "$(jqo '.[] | select(.sku == "COAT-BLK-38") | "\(.physical)/\(.allocated)"')" "9/1"
ctl GET /_sim/centra/emails
check "email recorded" "$(jqo '.[0] | "\(.orderNumber)/\(.to)/\(.trackingNumber)"')" "2000/sophie@example.com/JD0001"

echo "# second shipment: the rest"
gql "$CREATE" "{\"in\": {\"order\": {\"id\": \"$(curl -s "$C/_sim/centra/orders/2000" | jq -r .id)\"}, \"lines\": [{\"orderLine\": {\"id\": $L1}, \"quantity\": 1}, {\"orderLine\": {\"id\": $L2}, \"quantity\": 1}], \"capture\": true}}"
S2=$(jqo '.data.createShipment.shipment.id')
check "second shipment by order id" "$(jqo '.data.createShipment.shipment.number')" "2000-2"
gql 'mutation($id: Int!) { updateShipment(id: $id, input: {externalId: "GXO-SHP-2"}) { shipment { id } userErrors { message } } }' "{\"id\": $S2}"
check "updateShipment externalId" "$(jqo '.data.updateShipment | [.shipment.id, (.userErrors | length)] | join(",")')" "$S2,0"
gql '{ shipments(where: {externalId: ["GXO-SHP-2"]}) { id } }'
check "shipments filter" "$(jqo '.data.shipments[0].id')" "$S2"
gql "$COMPLETE" "{\"id\": $S2, \"in\": {\"sendEmail\": false, \"shipmentInfo\": {\"carrier\": \"DHL\", \"service\": \"Express\", \"trackingNumber\": \"JD0002\", \"packagesNumber\": 2}}}"
ctl GET /_sim/centra/orders/2000
check "SHIPPED" "$(jqo '.status')" SHIPPED
check "all lines shipped" "$(jqo '[.lines[] | .quantity == .shippedQuantity] | all')" true
gql "$CREATE" "{\"in\": {\"order\": {\"number\": 2000}, \"lines\": [{\"orderLine\": {\"id\": $L2}, \"quantity\": 1}]}}"
check "SHIPPED order refuses more" "$(jqo '.data.createShipment.userErrors | length')" 1
ctl GET /_sim/centra/stock
check "stock after both" "$(jqo '[.[] | select(.sku == "COAT-BLK-38" or .sku == "TEE-WHT-M") | "\(.physical)/\(.allocated)"] | join(",")')" "8/0,49/2"

echo "# returns"
ctl POST /_sim/centra/returns '{"orderNumber": 2000, "lines": [{"sku": "COAT-BLK-38", "quantity": 1}]}'
check "return seeded" "$STATUS" 201
R=$(jqo '.id')
ctl POST /_sim/centra/returns '{"orderNumber": 2000, "lines": [{"sku": "COAT-BLK-38", "quantity": 2}]}'
check "return beyond shipped refused" "$STATUS" 400
gql 'query($id: Int!) { returns(where: {id: [$id]}) { id ... on DirectToConsumerReturn { returnStatus } } }' "{\"id\": $R}"
check "returns query" "$(jqo '.data.returns[0].returnStatus')" PENDING
gql 'mutation($id: Int!) { completeReturn(id: $id, input: {sendEmail: false}) { return { ... on DirectToConsumerReturn { returnStatus } } userErrors { message } } }' "{\"id\": $R}"
check "completeReturn" "$(jqo '.data.completeReturn.return.returnStatus')" COMPLETED
gql 'mutation($id: Int!) { refundReturn(id: $id, input: {sendEmail: true}) { return { id } paymentHistoryEntries { status } userErrors { message } } }' "{\"id\": $R}"
check "refundReturn" "$(jqo '.data.refundReturn.paymentHistoryEntries[0].status')" SUCCESS
gql 'mutation($id: Int!) { refundReturn(id: $id) { userErrors { message } } }' "{\"id\": $R}"
check "refund twice userError" "$(jqo '.data.refundReturn.userErrors | length')" 1
ctl GET /_sim/centra/refunds
check "refund recorded" "$(jqo '.[0] | "\(.orderNumber)/\(.amount)/\(.currency)"')" "2000/450.5/EUR"
ctl GET /_sim/centra/stock
check "returned to stock" "$(jqo '.[] | select(.sku == "COAT-BLK-38") | .physical')" 9
gql '{ events(where: {objectType: [Return]}) { changeType } }'
check "return events" "$(jqo '[.data.events[].changeType] | join(",")')" "CREATED,COMPLETED"

echo "# merchant cancels lines"
ctl POST /_sim/centra/orders '[{"number": 2003, "lines": [{"sku": "COAT-BLK-40", "quantity": 1}, {"sku": "TEE-WHT-M", "quantity": 2}]},
  {"number": 2004, "lines": [{"sku": "COAT-BLK-40", "quantity": 2}]}]'
C1=$(jqo '.[0].lines[0].id')
ctl POST /_sim/centra/orders/2003 '{"cancelLines": [{"sku": "TEE-WHT-M", "quantity": 3}]}'
check "cancel more than open refused" "$STATUS" 400
ctl POST /_sim/centra/orders/2003 '{"cancelLines": [{"sku": "TEE-WHT-M"}]}'
check "cancel a whole line" "$STATUS/$(jqo '.status')/$(jqo '.lines[1].cancelledQuantity')" "200/CONFIRMED/2"
gql "$CREATE" "{\"in\": {\"order\": {\"number\": 2003}, \"lines\": [{\"orderLine\": {\"id\": $(jqo '.lines[1].id')}, \"quantity\": 1}]}}"
check "cancelled units cannot ship" "$(jqo '.data.createShipment.userErrors | length')" 1
gql "$CREATE" "{\"in\": {\"order\": {\"number\": 2003}, \"lines\": [{\"orderLine\": {\"id\": $C1}, \"quantity\": 1}]}}"
S3=$(jqo '.data.createShipment.shipment.id')
gql "$COMPLETE" "{\"id\": $S3, \"in\": {\"sendEmail\": false, \"shipmentInfo\": {\"carrier\": \"DHL\", \"trackingNumber\": \"JD0003\", \"packagesNumber\": 1}}}"
ctl GET /_sim/centra/orders/2003
check "shipped + cancelled is SHIPPED" "$(jqo '.status')" SHIPPED
ctl POST /_sim/centra/orders/2004 '{"cancelLines": [{"sku": "COAT-BLK-40"}]}'
check "all cancelled is CANCELLED" "$(jqo '.status')" CANCELLED
ctl GET /_sim/centra/stock
check "cancelled units not allocated" "$(jqo '.[] | select(.sku == "COAT-BLK-40") | "\(.physical)/\(.allocated)"')" "3/0"
