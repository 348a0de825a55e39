# Simulated Centra: transport, GraphQL errors, orders filters and paging,
# updateDirectToConsumerOrder and the events queue.
source "$(dirname "$0")/sim_centra_lib.sh"
sim_start --seed 7
seed_basic

order() { # number sku qty [extra json]
  ctl POST /_sim/centra/orders "$(jq -cn --argjson n "$1" --arg s "$2" \
    --argjson q "$3" --argjson x "${4:-{\}}" '{number: $n, currency: "SEK",
    shippingOption: {id: 1, name: "PostNord Home", uri: "postnord-home"},
    shippingAddress: {firstName: "Anna", lastName: "Svensson",
      address1: "Storgatan 1", city: "Stockholm", zipCode: "11122",
      country: "SE", email: "anna@example.com"},
    lines: [{sku: $s, quantity: $q, unitPrice: 100}]} + $x')"
  check "seed order $1" "$STATUS" 201
}
order 1000 COAT-BLK-38 1
order 1001 TEE-WHT-M 2 '{"isOnHold": true}'
order 1002 TEE-WHT-M 1 '{"isWaitingForPayment": true}'
order 1003 COAT-BLK-40 1 '{"status": "PENDING"}'
order 1004 TEE-WHT-M 1

echo "# transport"
gql '{ rateLimits { type } }' '{}' wrong-token
check "wrong token 403" "$STATUS" 403
check "403 category" "$(jqo '.errors[0].extensions.category')" authorization
STATUS=$(curl -s -o "$OUT" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data-binary '{"query":"{ rateLimits { type } }"}' "$C/graphql")
check "missing token 403" "$STATUS" 403
printf '{"query": "{ orders { id } "' >"$WORK/bad.json"
raw_post /graphql "$WORK/bad.json"
check "malformed JSON 400" "$STATUS" 400

echo "# GraphQL refusals (400, nothing run) and field errors (200)"
gql '{ orders(where: {status: [CONFIRMED]) { id } }'
check "syntax error is 400" "$STATUS" 400
check "syntax error category" "$(jqo '.errors[0].extensions.category')" graphql
check "syntax error message" "$(jqo '.errors[0].message | test("Syntax Error")')" true
check "syntax error location" "$(jqo '.errors[0].locations[0].line')" 1
check "syntax error has no data" "$(jqo 'has("data")')" false
gql '{ orders { id } fooBar { id } }'
check "unknown field is 400" "$STATUS" 400
check "unknown field named" "$(jqo '.errors[0].message')" \
  'Cannot query field "fooBar" on type "Query".'
gql 'mutation { orders { id } }'
check "query field on Mutation refused" "$STATUS/$(jqo '.errors[0].message | test("Mutation")')" "400/true"
gql '{ a: orders(where: {number: [1000]}) { number } b: orders(where: {number: [1004]}) { number } rateLimits { type } }'
check "aliases a" "$(jqo '.data.a[0].number')" 1000
check "aliases b" "$(jqo '.data.b[0].number')" 1004
check "several root fields" "$(jqo '.data.rateLimits[0].type')" REQUEST_COUNT
gql 'query($id: String!) { order(id: $id) { id } }' '{"id": "nope"}'
check "unknown order is null" "$(jqo '.data.order')" null
gql '{ orders(limit: 500) { id } }'
check "limit out of range is a field error" "$STATUS/$(jqo '.errors[0].path[0]')" 200/orders
for junk in '' '{' '}}}' 'query' '{ a(x: "\u12) }' '{ a(x: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]) }' '{ ...F }' '{ a @skip(if: true) }' 'subscription { a }'; do
  gql "$junk"
  check "junk '${junk:0:12}' refused 400 + errors" "$STATUS/$(jqo '.errors | length > 0')" "400/true"
done
ctl GET /_sim/centra/refusals
check "refusals counted" "$(jqo '.count')" 12
check "last refusals kept" "$(jqo '.last | length')" 10

echo "# orders"
gql 'query($w: OrderFilter) { orders(where: $w) { number } }' '{"w": {"status": ["CONFIRMED"], "isOnHold": false, "isWaitingForPayment": false}}'
check "status+flags filter" "$(jqo '[.data.orders[].number] | join(",")')" "1000,1004"
gql '{ orders(where: {isOnHold: true}) { number } }'
check "isOnHold filter" "$(jqo '[.data.orders[].number] | join(",")')" 1001
gql '{ orders(where: {number: [1002, 1003]}) { number status } }'
check "number filter" "$(jqo '[.data.orders[].number] | join(",")')" "1002,1003"
check "PENDING kept" "$(jqo '.data.orders[1].status')" PENDING
gql '{ orders(limit: 2, page: 2, sort: [orderDate_ASC]) { number } }'
check "paging" "$(jqo '[.data.orders[].number] | join(",")')" "1002,1003"
gql '{ orders(limit: 2, page: 3) { number } }'
check "last page" "$(jqo '[.data.orders[].number] | join(",")')" "1004"
gql '{ orders(where: {updatedAt: {from: "2000-01-01T00:00:00Z", to: "2000-01-02T00:00:00Z"}}) { number } }'
check "updatedAt window" "$(jqo '.data.orders | length')" 0
gql '{ o: orders(where: {number: [1000]}) { id lines { productSize { SKU } } shippingAddress { country { code } } shippingPriceGroup { shippingOption { uri } } grandTotal { currency { code } } status } }'
ID=$(jqo '.data.o[0].id')
check "order shape" "$(jqo '.data.o[0] | [.lines[0].productSize.SKU, .shippingAddress.country.code, .shippingPriceGroup.shippingOption.uri, .grandTotal.currency.code, .status] | join(",")')" "COAT-BLK-38,SE,postnord-home,SEK,CONFIRMED"
gql 'query($id: String!) { order(id: $id) { number } }' "{\"id\": \"$ID\"}"
check "order by id" "$(jqo '.data.order.number')" 1000

echo "# updateDirectToConsumerOrder"
gql 'mutation($o: OrderInput!, $i: DirectToConsumerOrderUpdateInput!) { updateDirectToConsumerOrder(order: $o, input: $i) { order { number } userErrors { message } } }' \
  '{"o": {"number": 1000}, "i": {"externalId": "GXO-1000"}}'
check "externalId set" "$(jqo '.data.updateDirectToConsumerOrder | [.order.number, (.userErrors | length)] | join(",")')" 1000,0
gql '{ orders(where: {externalId: ["GXO-1000"]}) { number } }'
check "externalId filter" "$(jqo '[.data.orders[].number] | join(",")')" 1000
gql 'mutation { updateDirectToConsumerOrder(order: {number: 4242}, input: {isOnHold: true}) { order { id } userErrors { path } } }'
check "unknown order userError" "$(jqo '.data.updateDirectToConsumerOrder.userErrors[0].path[0]')" order
ctl GET /_sim/centra/markers
check "marker recorded" "$(jqo '.[0].orderNumber,.[0].externalId' | paste -sd,)" "1000,GXO-1000"
ctl GET /_sim/centra/markers/count
check "markers counted" "$(jqo '.count')" 1

echo "# events"
gql 'mutation { setEventListeners(input: [{objectType: Order}, {objectType: Return, changeTypes: [CREATED, COMPLETED]}]) { eventListeners { objectType } userErrors { message } } }'
check "listeners set" "$(jqo '.data.setEventListeners.eventListeners | length')" 2
gql '{ events(limit: 3) { id objectType changeType objectReference } }'
check "oldest first" "$(jqo '[.data.events[].id] | join(",")')" "1,2,3"
check "order created event" "$(jqo '.data.events[0].objectType + "/" + .data.events[0].changeType + "/" + (.data.events[0].objectReference|tostring)')" "Order/CREATED/1000"
gql '{ events(limit: 1) { object { __typename ... on Order { number } } } }'
check "event object" "$(jqo '.data.events[0].object | [.__typename, .number] | join(",")')" DirectToConsumerOrder,1000
gql '{ events(limit: 3) { id } }'
check "repeated until confirmed" "$(jqo '[.data.events[].id] | join(",")')" "1,2,3"
gql 'mutation { confirmEvents(input: {eventsIds: [1, 2]}) { userErrors { message } } }'
check "confirm ok" "$(jqo '.data.confirmEvents.userErrors | length')" 0
gql '{ events(limit: 10) { id changeType objectReference } }'
check "after confirm" "$(jqo '[.data.events[].id] | join(",")')" "3,4,5,6"
check "UPDATED on externalId" "$(jqo '.data.events[3].changeType + "/" + (.data.events[3].objectReference|tostring)')" "UPDATED/1000"
gql '{ events(where: {changeType: [UPDATED]}) { id } }'
check "changeType filter" "$(jqo '[.data.events[].id] | join(",")')" "6"
ctl POST /_sim/centra/orders/1001 '{"isOnHold": false}'
check "control change order" "$STATUS/$(jqo '.isOnHold')" "200/false"
gql '{ events(where: {changeType: [UPDATED]}) { id objectReference } }'
check "merchant change emits UPDATED" "$(jqo '[.data.events[].objectReference] | join(",")')" "1000,1001"
gql 'mutation { confirmEvents(input: {eventsIds: [999]}) { userErrors { message } } }'
check "unknown event id userError" "$(jqo '.data.confirmEvents.userErrors | length')" 1
ctl GET /_sim/centra/events
check "control events with confirmed flag" "$(jqo '[.[] | select(.confirmed)] | length')" 2

echo "# __typename"
gql '{ __typename rateLimits { type } }'
check "root __typename" "$(jqo '.data.__typename')" Query

echo "# fault rules by GraphQL operation type"
ctl POST /_sim/faults '{"rules": [{"path": "/graphql", "operation": "mutation", "share500": 1}]}'
check "operation rule accepted" "$STATUS/$(jqo '.rules[0].operation')" "200/mutation"
gql '{ __typename }'
check "a query passes a mutation rule" "$STATUS" 200
gql '# a comment first
  , mutation { confirmEvents(input: {eventsIds: [3]}) { userErrors { message } } }'
check "a mutation is faulted" "$STATUS" 500
ctl POST /_sim/faults '{"replace": true, "rules": [{"path": "/graphql", "operation": "subscribe"}]}'
check "an unknown operation type is refused" "$STATUS" 422
ctl DELETE /_sim/faults
gql 'mutation { confirmEvents(input: {eventsIds: [3]}) { userErrors { message } } }'
check "no rule, no fault" "$STATUS" 200
ctl POST /_sim/faults '{"rules": [{"path": "/graphql", "operationName": "Cg*", "share500": 1}]}'
gql 'query CgOne { __typename }'
check "a named operation is faulted" "$STATUS" 500
gql 'query Other { __typename }'
check "another name passes" "$STATUS" 200
gql '{ __typename }'
check "an anonymous one passes" "$STATUS" 200
ctl DELETE /_sim/faults
