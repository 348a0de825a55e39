-- Items: which Centra sizes go to the warehouse item master and the item
-- built from one (items.include, items.payload; the engine's plan
-- "items.build" calls them in this order).
local function size(changes)
  local s = {
    id = 1201, SKU = "M411740BLK38", EAN = "5772428043001",
    sizeNumber = "38", description = "EU 38",
    weight = { value = 0.45, unit = "KILOGRAMS" },
    productVariant = {
      id = 120, variantNumber = "BLK", name = "Black",
      product = {
        id = 12, productNumber = "M4117", name = "Merino crew neck",
        status = "ACTIVE", updatedAt = "2026-03-01T10:00:00+00:00",
        harmonizedCommodityCode = "61101100",
        countryOfOrigin = { code = "PT" },
        weight = { value = 0.5, unit = "KILOGRAMS" },
      },
    },
  }
  for k, v in pairs(changes or {}) do s[k] = v end
  return s
end

return {
  { name = "a size with a SKU goes to the warehouse",
    hook = "items.include", input = size(), expect = true },
  { name = "a size without a SKU does not",
    hook = "items.include", input = size { SKU = cg.null }, expect = false },
  { name = "the item is built from the size, its variant and its product",
    hook = "items.payload", input = size(),
    expect = { sku = "M411740BLK38", gtin = "5772428043001",
               description = "Merino crew neck",
               attributes = { style = "M4117", colour = "Black", size = "38" },
               uom = "EA", weightKg = 0.45, hsCode = "61101100",
               countryOfOrigin = "PT", status = "ACTIVE",
               sourceUpdatedAt = "2026-03-01T10:00:00+00:00" } },
  { name = "a size without a weight takes its product's",
    hook = "items.payload", input = size { weight = cg.null },
    expect = { weightKg = 0.5 } },
  { name = "a weight in another unit is not taken as kilograms",
    hook = "items.payload",
    input = size { weight = { value = 450, unit = "GRAMS" } },
    expect = { weightKg = 0.5 } },
  { name = "no weight in kilograms at all: none",
    hook = "items.payload",
    input = (function()
      local s = size { weight = { value = 450, unit = "GRAMS" } }
      s.productVariant.product.weight = { value = 1.1, unit = "POUNDS" }
      return s
    end)(),
    expect = { weightKg = cg.null } },
}
