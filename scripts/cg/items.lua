-- cg.items: which Centra product sizes go to the GXO item master and the
-- item payload (a later issue wires them).
--
--   include(size) -> boolean   size is a Centra ProductSize
--   payload(size) -> the warehouse v1 item {sku, gtin, description,
--                    attributes{style, colour, size}, uom, weightKg,
--                    hsCode, countryOfOrigin, status}
local util = require "cg.util"

local M = {}

function M.include(size)
  return size.isActive ~= false and util.str(size.SKU) ~= nil
end

function M.payload(size)
  local variant = util.get(size, "productVariant") or {}
  local product = util.get(variant, "product") or {}
  local weight = util.get(size, "weight", "value")
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
    hsCode = util.or_null(util.str(product.harmonizedCommodityCode)),
    countryOfOrigin = util.or_null(util.get(product, "countryOfOrigin",
      "code")),
    status = size.isActive == false and "INACTIVE" or "ACTIVE",
  }
end

return M
