#!/usr/bin/env bash
# The simulators' support for the returns flow (issue 12,
# docs/internals/returns.md): Centra's returns with lineValue and comment,
# read by id and by createdAt; completeReturn and refundReturn refusing a
# second time, counted per return (completions, refunds) with their
# e-mails; Return CREATED delivered to a listener for it. The warehouse:
# an advice whose rmaRef or lineRef is too long refused 422
# field-too-long; the control routes for an unadvised arrival, a receipt
# for an unknown rmaRef, and a receipt delivered again as a new event.
source "$(dirname "$0")/sim_centra_lib.sh"
sim_start --seed 5
seed_basic

echo "# Centra returns"
ctl POST /_sim/centra/orders '{"number": 1000, "status": "CONFIRMED", "lines": [{"sku": "TEE-WHT-M", "quantity": 2, "unitPrice": 20.5}]}'
check "order" "$STATUS" 201
ctl GET /_sim/centra/orders/1000
LINE=$(jqo '.lines[0].id')
gql "mutation { createShipment(input: {order: {number: 1000}, lines: [{orderLine: {id: $LINE}, quantity: 2}], capture: true, isGoodToGo: true}) { shipment { id } } }"
SHIP=$(jqo '.data.createShipment.shipment.id')
gql "mutation { completeShipment(id: $SHIP, input: {sendEmail: false, shipmentInfo: {carrier: \"PostNord\", service: \"Home\", trackingNumber: \"T-1\", packagesNumber: 1}}) { shipment { isShipped } } }"
check "shipped" "$(jqo '.data.completeShipment.shipment.isShipped')" true
gql 'mutation { setEventListeners(input: [{objectType: Return, changeTypes: [CREATED]}]) { eventListeners { objectType } } }'
ctl POST /_sim/centra/returns '{"orderNumber": 1000, "comment": "too big", "lines": [{"sku": "TEE-WHT-M", "quantity": 1}]}'
check "return seeded" "$STATUS" 201
RID=$(jqo '.id')
check "counters start at 0" "$(jqo '"\(.completions) \(.refunds)"')" "0 0"

RET='lines { quantity orderLine { id } shipmentLine { id } lineValue { value currency { code } } } ... on DirectToConsumerReturn { returnStatus comment refundPaymentHistory { id } }'
gql "query(\$ids: [Int!]!) { returns(where: {id: \$ids}) { id $RET } }" "{\"ids\": [$RID, 99999]}"
check "by id" "$(jqo '[.data.returns[].id] | join(",")')" "$RID"
check "line" "$(jqo ".data.returns[0].lines[0] | \"\(.quantity) \(.orderLine.id == $LINE) \(.shipmentLine.id > 0) \(.lineValue.value)\"")" "1 true true 20.5"
check "comment" "$(jqo '.data.returns[0].comment')" "too big"
gql "{ returns(where: {createdAt: {from: \"2000-01-01T00:00:00Z\"}, storeType: DIRECT_TO_CONSUMER}) { id } }"
check "since" "$(jqo "[.data.returns[].id] | index($RID) != null")" true
gql "{ returns(where: {createdAt: {from: \"2999-01-01T00:00:00Z\"}}) { id } }"
check "since: none later" "$(jqo '.data.returns | length')" 0
gql '{ events(where: {objectType: [Return]}) { objectType changeType objectReference } }'
check "Return CREATED event" "$(jqo "[.data.events[] | select(.objectReference == $RID) | .changeType] | join(\",\")")" CREATED

for i in 1 2; do
  gql "mutation { completeReturn(id: $RID, input: {sendEmail: true}) { return { id } userErrors { message } } }"
  E[$i]=$(jqo '.data.completeReturn.userErrors | length')
done
check "complete, then refused" "${E[1]} ${E[2]}" "0 1"
for i in 1 2; do
  gql "mutation { refundReturn(id: $RID, input: {sendEmail: true}) { paymentHistoryEntries { status value { value } } userErrors { message } } }"
  E[$i]=$(jqo '.data.refundReturn.userErrors | length')
done
check "refund, then refused" "${E[1]} ${E[2]}" "0 1"
ctl GET /_sim/centra/returns
check "counted once each" "$(jqo ".[] | select(.id == $RID) | \"\(.completions) \(.refunds) \(.returnStatus)\"")" "1 1 COMPLETED"
ctl GET /_sim/centra/emails
check "e-mails" "$(jqo "[.[] | select(.returnId == $RID) | .type] | join(\",\")")" "RETURN_COMPLETED,RETURN_REFUNDED"

echo "# warehouse returns"
C0=$C
C=$G
WT=$(wms_token)
[ -n "$WT" ] || { echo "FAIL: no warehouse token"; exit 1; }
wapi() { # path key body
  STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -X POST "$G/wms/v1$1" \
    -H "Authorization: Bearer $WT" -H "Idempotency-Key: $2" \
    -H 'Content-Type: application/json' --data-binary "$3")
}
ctl POST /_sim/wms/items '[{"sku":"TEE-WHT-M"}]'
wapi /orders k-o1 '{"orderRef":"1000","shipTo":{"name":"A B","address1":"S 1","city":"X","postalCode":"1","countryCode":"SE"},"shipping":{"carrierCode":"POSTNORD","serviceCode":"PN-MYPACK-HOME"},"lines":[{"lineRef":"1","sku":"TEE-WHT-M","quantity":2}]}'
check "order created" "$STATUS" 202
advice() { # rmaRef lineRef
  printf '{"rmaRef":"%s","originalOrderRef":"1000","carrier":{"carrierCode":"POSTNORD","trackingNumber":"RET-1"},"lines":[{"lineRef":"%s","sku":"TEE-WHT-M","quantity":1}]}' "$1" "$2"
}
LONG=123456789012345678901234567890123
wapi /return-advices k-r1 "$(advice "$LONG" 1)"
check "long rmaRef" "$STATUS $(jqo .code)" "422 field-too-long"
wapi /return-advices k-r2 "$(advice 7 "$LONG")"
check "long lineRef" "$STATUS $(jqo .code)" "422 field-too-long"
wapi /return-advices k-r3 "$(advice 7 1)"
check "advised" "$STATUS $(jqo .status)" "202 EXPECTED"

ctl POST /_sim/wms/returns/unadvised-arrival '{"parcelTracking": "PARCEL-9"}'
check "unadvised arrival" "$STATUS $(jqo '"\(.parcelTracking) \(.rmaRef)"')" "200 PARCEL-9 null"
ARR=$(jqo .eventId)
ctl POST /_sim/wms/returns/unadvised-receipt '{"rmaRef": "NOBODY-1", "lines": [{"sku": "TEE-WHT-M", "quantityReceived": 1}]}'
check "unadvised receipt" "$STATUS $(jqo '"\(.rmaRef) \(.lines[0].quantityReceived) \(.lines[0].condition)"')" "200 NOBODY-1 1 SELLABLE"
UNK=$(jqo .eventId)
ctl POST /_sim/wms/returns/unadvised-receipt '{"rmaRef": "7"}'
check "advised rmaRef refused" "$STATUS" 409
ctl POST /_sim/wms/returns/unadvised-receipt '{"lines": []}'
check "no rmaRef refused" "$STATUS" 422
ctl POST /_sim/wms/returns/7/redeliver-receipt
check "nothing to redeliver yet" "$STATUS" 409
ctl POST /_sim/wms/returns/7/receive '{"lines": [{"lineRef": "1", "quantityReceived": 1}]}'
RCV=$(jqo .receiptId)
ctl POST /_sim/wms/returns/7/redeliver-receipt
check "redelivered" "$STATUS $(jqo .receiptId)" "200 $RCV"
DUP=$(jqo .eventId)
ctl POST /_sim/wms/returns/NOPE/redeliver-receipt
check "unknown rmaRef" "$STATUS" 404

ctl GET /_sim/wms/events
check "arrival without rmaRef" "$(jqo ".events[] | select(.eventId == \"$ARR\") | \"\(.eventType) \(.correlation.rmaRef) \(.data.rmaRef)\"")" "return.arrived null null"
check "receipt for an unknown rmaRef" "$(jqo ".events[] | select(.eventId == \"$UNK\") | \"\(.eventType) \(.correlation.rmaRef)\"")" "return.received NOBODY-1"
check "same receipt, two events" "$(jqo "[.events[] | select(.eventType == \"return.received\" and .data.receiptId == \"$RCV\") | .eventId] | unique | length")" 2
check "the copy is a new event" "$(jqo "[.events[] | select(.eventId == \"$DUP\")] | length")" 1
C=$C0
