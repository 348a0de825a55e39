-- Dispatch: Centra's carrier names and the shipping e-mail of a GXO
-- consignment (dispatch.shipment).
local fx = require "cg.fixtures"

local function consignment(extra)
  local s = { orderRef = "83651", shipmentId = "GXO-SHP-1",
              carrier = { carrierCode = "POSTNORD",
                          serviceCode = "PN-MYPACK-HOME" },
              first = true, last = false }
  for k, v in pairs(extra or {}) do s[k] = v end
  return s
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
}
