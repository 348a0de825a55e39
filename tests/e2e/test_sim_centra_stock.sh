# Simulated Centra: changeStock/setStock by SKU and EAN, userErrors for
# unknown sizes (nothing applied), productSizes, and the stock-write log.
source "$(dirname "$0")/sim_centra_lib.sh"
sim_start --seed 3
seed_basic

CHANGE='mutation($in: StockChangeInput!) { changeStock(input: $in) { stockChange { id } userErrors { message path } } }'
SET='mutation($in: StockSetInput!) { setStock(input: $in) { stockChanges { id } userErrors { message path } } }'

gql "$CHANGE" '{"in": {"intoWarehouse": {"id": 1}, "description": "GXO receipt", "productSizes": [{"productSize": {"SKU": "COAT-BLK-38"}, "deliveredQuantity": 5}, {"productSize": {"EAN": "5772428043100"}, "deliveredQuantity": 2}]}}'
check "changeStock ok" "$(jqo '.data.changeStock.userErrors | length')" 0
check "stockChange id" "$(jqo '.data.changeStock.stockChange.id')" 1
gql "$CHANGE" '{"in": {"outFromWarehouse": {"id": 1}, "description": "damaged", "productSizes": [{"productSize": {"SKU": "COAT-BLK-40"}, "deliveredQuantity": 1}]}}'
check "outFromWarehouse" "$(jqo '.data.changeStock.userErrors | length')" 0
gql '{ productSizes { SKU stockTotals(where: {warehouseId: [1]}) { physicalQuantity } } }'
check "after changeStock" "$(jqo '[.data.productSizes[] | .stockTotals.physicalQuantity] | join(",")')" "15,3,52"

gql "$CHANGE" '{"in": {"intoWarehouse": {"id": 1}, "description": "x", "productSizes": [{"productSize": {"SKU": "COAT-BLK-38"}, "deliveredQuantity": 1}, {"productSize": {"SKU": "NOPE-1"}, "deliveredQuantity": 1}]}}'
check "unknown SKU userError" "$(jqo '.data.changeStock.userErrors[0].path | join(".")')" "input.productSizes.1.productSize"
check "unknown SKU no stockChange" "$(jqo '.data.changeStock.stockChange')" null
gql "$SET" '{"in": {"warehouse": {"id": 1}, "description": "x", "stockQuantityType": "PHYSICAL", "productSizes": [{"productSize": {"EAN": "0000000000000"}, "quantity": 1}]}}'
check "unknown EAN userError" "$(jqo '.data.setStock.userErrors[0].message | test("EAN")')" true
gql '{ productSizes(where: {SKU: {equals: "COAT-BLK-38"}}) { stockTotals(where: {warehouseId: [1]}) { physicalQuantity } } }'
check "nothing applied on error" "$(jqo '.data.productSizes[0].stockTotals.physicalQuantity')" 15

gql "$SET" '{"in": {"warehouse": {"id": 1}, "description": "GXO snapshot", "stockQuantityType": "PHYSICAL", "productSizes": [{"productSize": {"SKU": "COAT-BLK-38"}, "quantity": 7}, {"productSize": {"EAN": "5772428043002"}, "quantity": 0}]}}'
check "setStock ok" "$(jqo '.data.setStock.userErrors | length')" 0
check "setStock changes" "$(jqo '.data.setStock.stockChanges | length')" 2
gql "$SET" '{"in": {"warehouse": {"id": 2}, "description": "GXO site 2", "stockQuantityType": "PHYSICAL", "productSizes": [{"productSize": {"SKU": "TEE-WHT-M"}, "quantity": 4}]}}'
gql '{ productSizes { w1: stockTotals(where: {warehouseId: [1]}) { physicalQuantity } w2: stockTotals(where: {warehouseId: [2]}) { physicalQuantity } } }'
check "after setStock" "$(jqo '[.data.productSizes[] | "1:\(.w1.physicalQuantity)+2:\(.w2.physicalQuantity)"] | join(",")')" "1:7+2:0,1:0+2:0,1:52+2:4"
gql '{ productSizes(limit: 1, page: 2) { SKU } }'
check "productSizes paging" "$(jqo '.data.productSizes[0].SKU')" COAT-BLK-40

gql "$CHANGE" '{"in": {"intoWarehouse": {"id": 1}, "productSizes": [{"productSize": {"SKU": "COAT-BLK-38"}, "deliveredQuantity": 1}]}}'
check "description required (GraphQL error)" "$(jqo '.data.changeStock')/$(jqo '.errors[0].message | test("description")')" "null/true"
gql "$SET" '{"in": {"warehouse": {"id": 1}, "description": "x", "productSizes": [{"productSize": {"SKU": "COAT-BLK-38"}, "quantity": 1}]}}'
check "stockQuantityType required" "$(jqo '.errors[0].message | test("stockQuantityType")')" true
gql "$SET" '{"in": {"warehouse": {"id": 1}, "description": "x", "stockQuantityType": "PHYSICAL", "productSizes": [{"productSize": {"SKU": "COAT-BLK-38"}, "quantity": -2}]}}'
check "negative quantity userError" "$(jqo '.data.setStock.userErrors[0].path | join(".")')" "input.productSizes.0.quantity"
gql "$CHANGE" '{"in": {"outFromWarehouse": {"id": 2}, "intoWarehouse": {"id": 1}, "description": "move", "productSizes": [{"productSize": {"SKU": "TEE-WHT-M"}, "deliveredQuantity": 5}]}}'
check "transfer beyond stock userError" "$(jqo '.data.changeStock.userErrors[0].message | test("Only 4")')" true
gql "$CHANGE" '{"in": {"outFromWarehouse": {"id": 2}, "intoWarehouse": {"id": 1}, "description": "move", "productSizes": [{"productSize": {"SKU": "TEE-WHT-M"}, "deliveredQuantity": 3}]}}'
gql '{ productSizes(where: {SKU: {equals: "TEE-WHT-M"}}) { w1: stockTotals(where: {warehouseId: [1]}) { physicalQuantity } w2: stockTotals(where: {warehouseId: [2]}) { physicalQuantity } } }'
check "transfer" "$(jqo '.data.productSizes[0] | [.w1.physicalQuantity, .w2.physicalQuantity] | join(",")')" "55,1"

ctl GET /_sim/centra/stock/writes
check "writes logged" "$(jqo '[.[].kind] | join(",")')" "changeStock,changeStock,setStock,setStock,changeStock"
check "transfer logged" "$(jqo '.[4] | "\(.fromWarehouseId)->\(.warehouseId) \(.items[0].delta)"')" "2->1 3"
check "write items" "$(jqo '.[0].items | map("\(.sku):\(.delta)") | join(",")')" "COAT-BLK-38:5,TEE-WHT-M:2"
check "out is negative" "$(jqo '.[1].items[0].delta')" -1
check "write time in ms" "$(jqo '[.[] | .atMs > 1700000000000] | all')" true
gql '{ events(where: {objectType: [ProductSize]}) { objectReference } }'
check "ProductSize events" "$(jqo '.data.events | length')" 8
