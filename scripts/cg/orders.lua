-- cg.orders: the default order rules. A pack's orders.lua overrides any
-- of these keys; keys it leaves out fall back to this table.
--
-- Hooks (called by the engine, pure functions of their arguments):
--
--   accept(order) -> {action = "accept"}
--                  | {action = "hold", reason = "CODE", message = "text"}
--   check_address(order) -> nil (or {}) when fine, else a list of
--                  problems {field = "postalCode", code = "FORMAT",
--                  message = "..."}: the order is held as INVALID_ADDRESS
--   payload(order, carrier) -> the warehouse v1 order table
--   on_change(order, change) -> {action = "cancel" | "resend" | "ask",
--                  message = "text"?}: what to do with a change Centra
--                  made after the order went to the warehouse
--                  (docs/internals/changes.md)
--
-- Data (read through rules.orders so a pack can override them):
--
--   allow_partial_shipment  true: GXO may ship what it has
--   require_contact         true: phone or e-mail must be present
--   limits                  field limits (cg.payload.limits)
local util = require "cg.util"
local postcodes = require "cg.postcodes"
local payload = require "cg.payload"

local M = {}

M.allow_partial_shipment = true
M.require_contact = true
M.limits = payload.limits

local function hold(reason, message)
  return { action = "hold", reason = reason, message = message }
end

-- Centra's line quantity already excludes cancelled units.
local function open_lines(order)
  local n = 0
  for _, line in ipairs(order.lines or {}) do
    if (line.quantity or 0) > 0 then
      n = n + 1
    end
  end
  return n
end

-- Accept a confirmed order unless Centra has it on hold or is still
-- waiting for payment. PROCESSING reaches the rules only from a store
-- with "Direct to Shipment" on, where Centra moves a paid order there
-- itself (the engine filters it out otherwise).
function M.accept(order)
  if order.status ~= "CONFIRMED" and order.status ~= "PROCESSING" then
    return hold("NOT_CONFIRMED", "order status is "
      .. tostring(order.status) .. ", not CONFIRMED")
  end
  if order.isOnHold == true then
    local why = util.str(order.orderHoldReason)
    return hold("ON_HOLD", "the order is on hold in Centra"
      .. (why and (": " .. why) or ""))
  end
  if order.orderHoldReason == "WAITING_FOR_PAYMENT" then
    return hold("WAITING_FOR_PAYMENT", "the order is waiting for payment")
  end
  if open_lines(order) == 0 then
    return hold("NO_LINES", "the order has no lines left to fulfil")
  end
  return { action = "accept" }
end

-- Appends a problem; returns the list.
local function problem(list, field, code, message)
  list[#list + 1] = { field = field, code = code, message = message }
  return list
end

local function check_lengths(list, ship, limits)
  for field, max in pairs(limits) do
    local v = ship[field]
    if type(v) == "string" then
      local n = util.len(v)
      if n == nil then
        problem(list, field, "ENCODING", field .. " is not valid UTF-8")
      elseif n > max then
        problem(list, field, "TOO_LONG", string.format(
          "%s is %d characters, the warehouse accepts at most %d", field, n,
          max))
      end
    end
  end
end

local function check_contact(list, ship)
  local phone, email = util.str(ship.phone), util.str(ship.email)
  if rules.orders.require_contact and not phone and not email then
    problem(list, "phone", "REQUIRED", "neither a phone number nor an "
      .. "e-mail address is given")
  end
  if email and #email <= 80 and not email:match("^[^@%s]+@[^@%s]+%.%a+$") then
    problem(list, "email", "FORMAT", "e-mail '" .. email .. "' is not valid")
  end
  if phone and (phone:find("[^%d%s%+%-%(%)%.]") or
      #phone:gsub("%D", "") < 6) then
    problem(list, "phone", "FORMAT", "phone '" .. phone .. "' is not valid")
  end
end

-- Required fields, postcode format per country, contact presence and the
-- warehouse field limits (sorted by field so messages are stable).
function M.check_address(order)
  local list = {}
  if type(order.shippingAddress) ~= "table" then
    return problem(list, "shipTo", "REQUIRED", "the order has no shipping "
      .. "address")
  end
  local ship = payload.ship_to(order)
  for _, f in ipairs({ "name", "address1", "city", "countryCode" }) do
    if ship[f] == cg.null then
      problem(list, f, "REQUIRED", f .. " is missing")
    end
  end
  local country = ship.countryCode
  if country ~= cg.null then
    local ok, why = postcodes.check(country, order.shippingAddress.zipCode)
    if not ok then problem(list, "postalCode", "FORMAT", why) end
  end
  check_contact(list, ship)
  check_lengths(list, ship, rules.orders.limits)
  table.sort(list, function(a, b)
    if a.field ~= b.field then return a.field < b.field end
    return a.code < b.code
  end)
  return list
end

function M.payload(order, carrier)
  return payload.build(order, carrier, {
    allow_partial_shipment = rules.orders.allow_partial_shipment,
  })
end

-- Centra changed an order the warehouse already has. change is
-- {orderRef, whole, lines = {{lineRef, sku, quantity}}, hold, address,
-- what}: whole = cancelled in Centra, lines = units cancelled there,
-- hold = put on hold, address = shipping address changed; order is the
-- Centra order as it is now. The default cancels at the warehouse what
-- Centra cancelled, and for a hold or a new address cancels the order at
-- the warehouse and sends it again (a new revision) once Centra has it
-- free. "ask" sends nothing and asks operations (CHANGE_REVIEW).
function M.on_change(order, change)
  if change.whole then
    return { action = "cancel" }
  end
  if change.hold or change.address then
    return { action = "resend" }
  end
  return { action = "cancel" }
end

return M
