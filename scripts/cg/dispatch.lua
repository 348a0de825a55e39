-- cg.dispatch: GXO shipment confirmation -> Centra shipment (a later
-- issue wires it). Default: tell the customer, names from carriers.display.
--
--   shipment(order, shipment) -> {notify = true|false,
--                                 carrier = "PostNord", service = "..."}
--       order is the canonical Centra order, shipment the GXO
--       shipment.confirmed data (parcels, lineTotals, orderComplete).
local M = {}

M.notify_customer = true

function M.shipment(order, shipment)
  local names = rules.carriers.display(shipment.carrier or {})
  return {
    notify = rules.dispatch.notify_customer,
    carrier = names.carrier,
    service = names.service,
  }
end

return M
