-- Dispatch: Centra's carrier names, the shipping e-mail and the capture
-- of a GXO consignment (dispatch.shipment); what the warehouse closed or
-- cancelled without shipping (dispatch.remainder).
local fx = require "cg.fixtures"

local function consignment(extra)
  local s = { orderRef = "83651", shipmentId = "GXO-SHP-1",
              carrier = { carrierCode = "POSTNORD",
                          serviceCode = "PN-MYPACK-HOME" },
              first = true, last = false }
  for k, v in pairs(extra or {}) do s[k] = v end
  return s
end

local function closed()
  return { orderRef = "83651", event = "order.closed",
           lines = { { lineRef = "43243", ordered = 2, shipped = 1,
                       cancelled = 0, statusCode = "CP" } },
           remainder = { { lineRef = "43243", quantity = 1 } } }
end

local function cancelled()
  return { orderRef = "83651", event = "order.cancelled",
           reason = "STOCK_DAMAGED",
           lines = { { lineRef = "43243", cancelled = 2 } },
           remainder = { { lineRef = "43243", quantity = 2 } } }
end

return {
  { name = "a consignment gets the pack's names and the e-mail",
    hook = "dispatch.shipment", args = { fx.order(), consignment() },
    expect = { carrier = "PostNord", service = "MyPack Home",
               notify = true } },

  { name = "a consignment without carrier code cannot be named",
    hook = "dispatch.shipment",
    args = { fx.order(), consignment { carrier = {} } },
    expect = { notify = false } },

  { name = "the payment is captured on shipment by default",
    hook = "dispatch.shipment", args = { fx.order(), consignment() },
    expect = { capture = true } },

  { name = "any payment method without its own policy uses the default",
    hook = "dispatch.shipment",
    args = { fx.order { paymentMethod = "klarna" }, consignment() },
    expect = { capture = true } },

  { name = "a short-shipped remainder is cancelled, its units removed",
    hook = "dispatch.remainder", args = { fx.order(), closed() },
    expect = { action = "cancel", stockActionPolicy = "removeItemsFromStock",
               comment = "not shipped by the warehouse (order closed)" } },

  { name = "a warehouse cancellation is cancelled, its units released",
    hook = "dispatch.remainder", args = { fx.order(), cancelled() },
    expect = { action = "cancel",
               stockActionPolicy = "releaseItemsBackToWarehouse",
               comment = "cancelled by the warehouse: STOCK_DAMAGED" } },
}
