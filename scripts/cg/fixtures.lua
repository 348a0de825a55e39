-- cg.fixtures: canonical Centra objects for pack tests, as the engine
-- passes them: the WarehouseOrder selection of core/centra/centra_docs.c
-- (docs/internals/centra-api-subset.md).
--
--   local fx = require "cg.fixtures"
--   local order = fx.order { shippingAddress = { zipCode = "12" } }
--
-- order(changes) returns a fresh copy of the reference order with changes
-- merged in (tables merge key by key; lists replace; cg.null sets null).
local util = require "cg.util"

local M = {}

local function reference_order()
  return {
    __typename = "DirectToConsumerOrder",
    id = "1497ccf644db871e1e4026d101bde6f3", number = 83651,
    status = "CONFIRMED", isOnHold = false, isLocked = false,
    orderHoldReason = cg.null,
    orderDate = "2026-03-04T08:12:00+00:00",
    updatedAt = "2026-03-04T08:12:00+00:00",
    otherComment = "",
    store = { id = 1, type = "DIRECT_TO_CONSUMER" },
    market = { id = 1, name = "Default" },
    customer = { email = "anna@example.com" },
    grandTotal = { value = 450.5, currency = { code = "EUR" } },
    shippingAddress = {
      firstName = "Anna", lastName = "Svensson", companyName = cg.null,
      attention = cg.null,
      address1 = "Storgatan 1", address2 = cg.null, city = "Stockholm",
      zipCode = "11122", stateOrProvince = cg.null,
      country = { code = "SE" },
      email = "anna@example.com", phoneNumber = "+46700000000",
      cellPhoneNumber = cg.null,
    },
    shippingPriceGroup = { shippingOption = {
      id = 1, name = "PostNord Home", uri = "postnord-home" } },
    lines = { {
      __typename = "ProductOrderLine", id = 43243, quantity = 1,
      cancelledQuantity = 0,
      productName = "Wool coat", productNumber = "M411740",
      productVariantName = "Black", size = "38",
      unitPrice = { value = 450.5 },
      productSize = { id = 901, SKU = "M411740BLK38", EAN = "5772428043001" },
    } },
  }
end

local function merge(dst, changes)
  for k, v in pairs(changes) do
    if type(v) == "table" and type(dst[k]) == "table"
        and not cg.is_array(v) then
      merge(dst[k], v)
    else
      dst[k] = v
    end
  end
  return dst
end

function M.order(changes)
  return merge(reference_order(), changes or {})
end

-- The shipping option of an order (Centra's {id, name, uri}).
function M.option(uri, name, id)
  return { id = id or 1, name = name or uri, uri = uri }
end

M.copy = util.copy

return M
