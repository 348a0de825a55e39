-- cg.payload: the warehouse v1 order (shared/reference/warehouse-api-v1.md)
-- built from the canonical Centra order and the mapped carrier.
--
--   orderRef    Centra order number, as a string
--   orderDate   Centra orderDate in ISO 8601 UTC ("...Z")
--   currency    grandTotal.currency.code (else the first line's currency)
--   shipTo      from shippingAddress; name = firstName .. " " .. lastName
--   shipping    {carrierCode, serviceCode, servicePointId} from carriers.map
--   lines       one per product line with quantity left after cancellation:
--               lineRef = Centra line id (string), sku = productSize.SKU,
--               gtin = productSize.EAN, unitPrice = decimal string
--
-- Field limits: the address fields are NOT truncated here. The default
-- orders.check_address holds an order whose address exceeds a limit
-- (INVALID_ADDRESS) because a cut address line can misdeliver a parcel;
-- the engine refuses a payload over a limit as a rule error. Only the
-- free-text instructions are cut to their limit.
local util = require "cg.util"

local M = {}

-- The contract's field limits, in characters.
M.limits = {
  name = 35, company = 35, address1 = 35, address2 = 35, city = 35,
  region = 35, postalCode = 10, phone = 20, email = 80,
  instructions = 250, giftMessage = 250,
}

local null = cg.null

function M.name(a)
  local first, last = util.str(a.firstName), util.str(a.lastName)
  if first and last then return first .. " " .. last end
  return first or last
end

function M.ship_to(order)
  local a = order.shippingAddress
  local country = util.str(util.get(a, "country", "code"))
  local postal = util.str(a.zipCode)
  return {
    name = util.or_null(M.name(a)),
    company = util.or_null(util.str(a.companyName)),
    address1 = util.or_null(util.str(a.address1)),
    address2 = util.or_null(util.str(a.address2)),
    city = util.or_null(util.str(a.city)),
    region = util.or_null(util.str(a.stateOrProvince)),
    postalCode = util.or_null(postal and postal:upper()),
    countryCode = util.or_null(country and country:upper()),
    phone = util.or_null(util.str(a.phoneNumber)),
    email = util.or_null(util.str(a.email)),
  }
end

-- Product lines with their quantity still to fulfil (> 0). Centra's
-- quantity already excludes cancelled units.
function M.lines(order)
  local out = cg.array()
  for _, line in ipairs(order.lines or {}) do
    local kind = line.__typename
    local qty = line.quantity or 0
    if (kind == nil or kind == "ProductOrderLine") and qty > 0 then
      out[#out + 1] = {
        lineRef = tostring(line.id),
        sku = util.str(util.get(line, "productSize", "SKU")),
        gtin = util.or_null(util.str(util.get(line, "productSize", "EAN"))),
        quantity = qty,
        unitPrice = util.money(util.get(line, "unitPrice", "value")),
      }
    end
  end
  return out
end

function M.currency(order)
  return util.get(order, "grandTotal", "currency", "code")
      or util.get(order, "lines", 1, "unitPrice", "currency", "code")
end

function M.instructions(order)
  local text = util.str(order.otherComment)
  if text == nil then return null end
  return util.truncate(text, M.limits.instructions)
end

-- build(order, carrier, opts): opts.allow_partial_shipment (default true).
function M.build(order, carrier, opts)
  opts = opts or {}
  local date = util.str(order.orderDate)
  local utc = date and cg.iso8601_utc(date)
  if utc == nil then
    error("order " .. tostring(order.number) .. ": orderDate '"
      .. tostring(date) .. "' is not an ISO 8601 timestamp", 0)
  end
  return {
    orderRef = tostring(order.number),
    orderDate = utc,
    currency = M.currency(order),
    shipTo = M.ship_to(order),
    shipping = {
      carrierCode = carrier.carrierCode,
      serviceCode = carrier.serviceCode,
      servicePointId = util.or_null(util.str(carrier.servicePointId)),
    },
    allowPartialShipment = opts.allow_partial_shipment ~= false,
    instructions = M.instructions(order),
    giftMessage = null,
    lines = M.lines(order),
  }
end

return M
