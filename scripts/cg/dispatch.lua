-- cg.dispatch: a GXO consignment (shipment.confirmed) -> its Centra
-- shipment's carrier and service names and whether the customer gets
-- Centra's shipping e-mail for it.
--
-- Data a pack provides (read through rules.dispatch):
--
--   notify = "every"   -- e-mail on every consignment (the default)
--          | "first"   -- only on the order's first consignment
--          | "last"    -- only on the one that ships the order's last units
--          | "none"    -- never (the shop e-mails some other way)
--
--   capture = { default = "on_shipment",   -- Centra captures the payment
--                                           -- when the shipment is created
--               ["klarna"] = "manual" }     -- finance captures in Centra
--       per payment method (order.paymentMethod when the order has one,
--       else "default"); a failed capture raises CAPTURE_FAILED.
--
--   remainders = "cancel"  -- units the warehouse closed (order.closed,
--                          -- CP/IC) or cancelled (order.cancelled) are
--                          -- cancelled in Centra: the customer is not
--                          -- charged for them (the default)
--              | "hold"    -- left to operations: SHORT_SHIPPED
--   stockActionPolicy = {  -- Centra's stock action for cancelled units
--     ["order.closed"] = "removeItemsFromStock",           -- not found
--     ["order.cancelled"] = "releaseItemsBackToWarehouse", -- still there
--   }
--
-- Hooks:
--
--   shipment(order, shipment) -> {carrier = "PostNord", service = "...",
--                                 notify = true|false,
--                                 capture = true|false}
--       order is the canonical Centra order; shipment the GXO
--       shipment.confirmed data (orderRef, shipmentId, shippedAt,
--       carrier {carrierCode, serviceCode}, parcels, lineTotals) plus
--       first (no consignment of the order completed before) and last
--       (this one ships every unit still open). Names come from
--       carriers.display; a result without carrier means "cannot map
--       back": the consignment is held (UNMAPPED_CARRIER), nothing is
--       written to Centra.
--
--   remainder(order, remainder) -> {action = "cancel",
--                                   stockActionPolicy = "...",
--                                   comment = "..."} | {action = "hold"}
--       remainder is the warehouse event's data (order.closed: orderRef,
--       lines [{lineRef, ordered, shipped, cancelled, statusCode}];
--       order.cancelled: orderRef, lines [{lineRef, cancelled}], reason)
--       plus event ("order.closed" | "order.cancelled") and remainder
--       [{lineRef, quantity}]: the units that will not ship.
local M = {}

M.notify = "every"
M.capture = { default = "on_shipment" }
M.remainders = "cancel"
M.stockActionPolicy = {
  ["order.closed"] = "removeItemsFromStock",
  ["order.cancelled"] = "releaseItemsBackToWarehouse",
}

local function notify(policy, shipment)
  if policy == "every" then return true end
  if policy == "first" then return shipment.first == true end
  if policy == "last" then return shipment.last == true end
  return false
end

local function capture(policies, order)
  local method = order.paymentMethod
  local policy = (method and policies[method]) or policies.default
  return policy ~= "manual"
end

function M.shipment(order, shipment)
  local carrier = shipment.carrier or {}
  local cap = capture(rules.dispatch.capture, order)
  if carrier.carrierCode == nil then
    return { notify = false, capture = cap }
  end
  local names = rules.carriers.display(carrier) or {}
  return {
    notify = notify(rules.dispatch.notify, shipment),
    carrier = names.carrier,
    service = names.service or "",
    capture = cap,
  }
end

function M.remainder(order, remainder)
  local d = rules.dispatch
  if d.remainders == "hold" then
    return { action = "hold" }
  end
  local why = remainder.event == "order.cancelled"
    and ("cancelled by the warehouse: " .. tostring(remainder.reason))
    or "not shipped by the warehouse (order closed)"
  return { action = "cancel",
           stockActionPolicy = d.stockActionPolicy[remainder.event],
           comment = why }
end

local function validate_tables(self)
  local pol = { on_shipment = true, manual = true }
  if type(self.capture) ~= "table" or not pol[self.capture.default] then
    error("dispatch.capture must be a table whose default is "
      .. "\"on_shipment\" or \"manual\"", 0)
  end
  for method, p in pairs(self.capture) do
    if not pol[p] then
      error("dispatch.capture[" .. tostring(method) .. "] must be "
        .. "\"on_shipment\" or \"manual\"", 0)
    end
  end
  local sap = { releaseItemsBackToWarehouse = true,
                removeItemsFromStock = true }
  for _, ev in ipairs({ "order.closed", "order.cancelled" }) do
    if not sap[(self.stockActionPolicy or {})[ev]] then
      error("dispatch.stockActionPolicy[\"" .. ev .. "\"] must be "
        .. "\"releaseItemsBackToWarehouse\" or \"removeItemsFromStock\"", 0)
    end
  end
end

function M.validate(self)
  local ok = { every = true, first = true, last = true, none = true }
  if not ok[self.notify] then
    error("dispatch.notify must be \"every\", \"first\", \"last\" or "
      .. "\"none\", not " .. tostring(self.notify), 0)
  end
  if self.remainders ~= "cancel" and self.remainders ~= "hold" then
    error("dispatch.remainders must be \"cancel\" or \"hold\", not "
      .. tostring(self.remainders), 0)
  end
  validate_tables(self)
end

return M
