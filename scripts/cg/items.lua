-- cg.items: which Centra product sizes go to the GXO item master and the
-- item payload (docs/internals/items.md, docs/rule-packs.md "Items").
--
--   include(size) -> boolean   size is a Centra ProductSize {id, SKU, EAN,
--                    sizeNumber, description, weight, productVariant {id,
--                    variantNumber, name, product {id, productNumber,
--                    name, status, updatedAt, harmonizedCommodityCode,
--                    countryOfOrigin {code}, weight}}}
--   payload(size) -> the warehouse v1 item {sku, gtin, description,
--                    attributes{style, colour, size}, uom, weightKg,
--                    hsCode, countryOfOrigin, status, sourceUpdatedAt}
--
-- Data a pack sets in its own items.lua without rewriting the hooks
-- (read through rules.items; keys left out keep these defaults):
--   hs_code_default   HS code when Centra has none (nil: none sent, and
--                     the warehouse refuses the item: missing-hs-code)
--   hs_codes          {[productNumber prefix] = HS code}: the longest
--                     prefix that matches wins over hs_code_default
--   exclude_prefixes  SKU prefixes kept out of the warehouse (gift
--                     cards, digital goods)
-- Centra's schema has no dimensions: dimensionsCm is never sent.
local util = require "cg.util"

local M = {}

M.hs_code_default = nil -- absent: no default
M.hs_codes = {}
M.exclude_prefixes = {}

local function starts_with(s, prefix)
  return s:sub(1, #prefix) == prefix
end

function M.include(size)
  local sku = util.str(size.SKU)
  if sku == nil then return false end
  for _, prefix in ipairs(rules.items.exclude_prefixes or {}) do
    if starts_with(sku, prefix) then return false end
  end
  return true
end

-- Centra's HS code, else the pack's default for the product number's
-- longest matching prefix, else hs_code_default.
function M.hs_code(product)
  local code = util.str(product.harmonizedCommodityCode)
  if code then return code end
  local data = rules.items
  local codes = data.hs_codes or {}
  local number, best = util.str(product.productNumber) or "", nil
  for prefix in pairs(codes) do
    if starts_with(number, prefix) and (best == nil or #prefix > #best) then
      best = prefix
    end
  end
  if best then return codes[best] end
  return data.hs_code_default
end

-- A Weight's value in kilograms: nil unless its unit is KILOGRAMS (the
-- only WeightUnit the schema lists; another unit is not guessed at).
local function kilograms(w)
  if util.get(w, "unit") ~= "KILOGRAMS" then return nil end
  local v = util.get(w, "value")
  if type(v) ~= "number" then return nil end
  return v
end

function M.payload(size)
  local variant = util.get(size, "productVariant") or {}
  local product = util.get(variant, "product") or {}
  local weight = kilograms(util.get(size, "weight"))
    or kilograms(util.get(product, "weight"))
  return {
    sku = size.SKU,
    gtin = util.or_null(util.str(size.EAN)),
    description = util.or_null(util.str(product.name)),
    attributes = {
      style = util.or_null(util.str(product.productNumber)),
      colour = util.or_null(util.str(variant.name)),
      size = util.or_null(util.str(size.sizeNumber or size.description)),
    },
    uom = "EA",
    weightKg = util.or_null(weight),
    hsCode = util.or_null(rules.items.hs_code(product)),
    countryOfOrigin = util.or_null(util.get(product, "countryOfOrigin",
      "code")),
    status = product.status == "INACTIVE" and "INACTIVE" or "ACTIVE",
    sourceUpdatedAt = util.or_null(util.str(product.updatedAt)),
  }
end

return M
