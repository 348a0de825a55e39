#!/usr/bin/env bash
# Simulated Centra (issue 6 item 8): orders seeded with a delivery note
# (otherComment), and the control route that changes an existing order's
# shipping address and note as customer service would in the Centra admin
# (POST /_sim/centra/orders/{number}/address): it bumps updatedAt and
# records one Order UPDATED event, like every other change; nothing else
# of the order moves; a change to the same values records nothing.
source "$(dirname "$0")/sim_centra_lib.sh"
sim_start --seed 3
seed_basic

OLD=2026-01-01T00:00:00+00:00
ctl POST /_sim/centra/orders "$(jq -cn --arg old "$OLD" '{number: 1000,
  updatedAt: $old, otherComment: "Leave at the back door, code 1234",
  shippingOption: {id: 1, name: "PostNord Home", uri: "postnord-home"},
  shippingAddress: {firstName: "Anna", lastName: "Svensson",
    address1: "Storgatan 1", city: "Stockholm", zipCode: "11122",
    country: "SE", email: "anna@example.com", phoneNumber: "+46700000000"},
  lines: [{sku: "TEE-WHT-M", quantity: 1, unitPrice: 100}]}')"
check "seed with otherComment" "$STATUS" 201
check "note stored" "$(jqo '.[0].otherComment')" "Leave at the back door, code 1234"
check "seeded updatedAt" "$(jqo '.[0].updatedAt')" "$OLD"
ctl POST /_sim/centra/orders '{"number": 1001, "lines": [{"sku": "TEE-WHT-M", "quantity": 1}]}'
check "seed without a note" "$(jqo '.[0].otherComment')" ""
ctl GET /_sim/centra/events
EVENTS=$(jqo 'length')

echo "# change the address"
ctl POST /_sim/centra/orders/1000/address '{"shippingAddress": {"address1": "Drottninggatan 5",
  "address2": "c/o Berg", "zipCode": "11151", "city": "Stockholm", "country": "NO",
  "phoneNumber": null}}'
check "address change 200" "$STATUS" 200
check "new street" "$(jqo '.shippingAddress.address1')" "Drottninggatan 5"
check "new address2" "$(jqo '.shippingAddress.address2')" "c/o Berg"
check "new zip" "$(jqo '.shippingAddress.zipCode')" "11151"
check "country code and name" "$(jqo '.shippingAddress.country | "\(.code) \(.name)"')" "NO Norway"
check "null clears a member" "$(jqo '.shippingAddress.phoneNumber')" null
check "members not given stay" "$(jqo '.shippingAddress | "\(.firstName) \(.lastName) \(.email)"')" \
  "Anna Svensson anna@example.com"
check "note untouched" "$(jqo '.otherComment')" "Leave at the back door, code 1234"
check "status untouched" "$(jqo '.status')" CONFIRMED
check "updatedAt bumped" "$(jq -r --arg old "$OLD" '.updatedAt > $old' "$OUT")" true
ctl GET /_sim/centra/events
check "one more event" "$(jqo 'length')" "$((EVENTS + 1))"
check "it is Order UPDATED for 1000" \
  "$(jqo '.[-1] | "\(.objectType) \(.changeType) \(.objectReference)"')" "Order UPDATED 1000"
ctl GET /_sim/centra/orders/1000
check "read back" "$(jqo '.shippingAddress.address1')" "Drottninggatan 5"

echo "# change the note, then clear it"
ctl POST /_sim/centra/orders/1000/address '{"otherComment": "Call before delivery"}'
check "note change 200" "$STATUS" 200
check "new note" "$(jqo '.otherComment')" "Call before delivery"
ctl POST /_sim/centra/orders/1000/address '{"otherComment": null}'
check "null empties the note" "$(jqo '.otherComment')" ""
ctl GET /_sim/centra/events
check "two more events" "$(jqo 'length')" "$((EVENTS + 3))"

echo "# the same values again: no change, no event"
ctl POST /_sim/centra/orders/1000/address '{"shippingAddress": {"address1": "Drottninggatan 5"},
  "otherComment": ""}'
check "no-op 200" "$STATUS" 200
ctl GET /_sim/centra/events
check "no event for a no-op" "$(jqo 'length')" "$((EVENTS + 3))"

echo "# the merchant-change route takes the same members"
ctl POST /_sim/centra/orders/1001 '{"otherComment": "Ring twice", "shippingAddress": {"city": "Uppsala"}}'
check "order change 200" "$STATUS" 200
check "note via order change" "$(jqo '.otherComment')" "Ring twice"
check "city via order change" "$(jqo '.shippingAddress.city')" "Uppsala"

echo "# refused"
ctl POST /_sim/centra/orders/9999/address '{"otherComment": "x"}'
check "unknown order 404" "$STATUS" 404
ctl POST /_sim/centra/orders/1000/address '{}'
check "nothing to change 400" "$STATUS" 400
ctl POST /_sim/centra/orders/1000/address '{"shippingAddress": "Storgatan 1"}'
check "address not an object 400" "$STATUS" 400
ctl POST /_sim/centra/orders/1000/address '{"shippingAddress": {"street": "x"}}'
check "unknown address member 400" "$STATUS" 400
ctl POST /_sim/centra/orders/1000/address '{"shippingAddress": {"zipCode": 11122}}'
check "number for a string 400" "$STATUS" 400
ctl POST /_sim/centra/orders/1000/address '{"otherComment": 5}'
check "note not a string 400" "$STATUS" 400
ctl POST /_sim/centra/orders/1000/address 'not json'
check "malformed 400" "$STATUS" 400
ctl GET /_sim/centra/orders/1000
check "refusals changed nothing" "$(jqo '.shippingAddress.address1 + "|" + .otherComment')" \
  "Drottninggatan 5|"
