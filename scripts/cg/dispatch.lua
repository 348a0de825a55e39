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
-- Hook:
--
--   shipment(order, shipment) -> {carrier = "PostNord", service = "...",
--                                 notify = true|false}
--       order is the canonical Centra order; shipment the GXO
--       shipment.confirmed data (orderRef, shipmentId, shippedAt,
--       carrier {carrierCode, serviceCode}, parcels, lineTotals) plus
--       first (no consignment of the order completed before) and last
--       (this one ships every unit still open). Names come from
--       carriers.display; a result without carrier means "cannot map
--       back": the consignment is held (UNMAPPED_CARRIER), nothing is
--       written to Centra.
local M = {}

M.notify = "every"

local function notify(policy, shipment)
  if policy == "every" then return true end
  if policy == "first" then return shipment.first == true end
  if policy == "last" then return shipment.last == true end
  return false
end

function M.shipment(order, shipment)
  local carrier = shipment.carrier or {}
  if carrier.carrierCode == nil then
    return { notify = false }
  end
  local names = rules.carriers.display(carrier) or {}
  return {
    notify = notify(rules.dispatch.notify, shipment),
    carrier = names.carrier,
    service = names.service or "",
  }
end

function M.validate(self)
  local ok = { every = true, first = true, last = true, none = true }
  if not ok[self.notify] then
    error("dispatch.notify must be \"every\", \"first\", \"last\" or "
      .. "\"none\", not " .. tostring(self.notify), 0)
  end
end

return M
