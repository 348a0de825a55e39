-- Carrier mapping: every Centra shipping option this merchant uses.
local fx = require "cg.fixtures"

local function maps(uri, carrier, service)
  return { name = uri .. " maps to " .. service, hook = "carriers.map",
           args = { fx.option(uri), fx.order() },
           expect = { carrierCode = carrier, serviceCode = service } }
end

return {
  maps("postnord-home", "POSTNORD", "PN-MYPACK-HOME"),
  maps("postnord-service-point", "POSTNORD", "PN-MYPACK-COLLECT"),
  maps("dhl-express", "DHL", "DHL-EXPRESS"),
  maps("ups-standard", "UPS", "UPS-STANDARD"),

  { name = "an unknown option is unmapped", hook = "carriers.map",
    args = { fx.option("bring-home"), fx.order() }, expect = cg.null },

  { name = "GXO codes read back as names", hook = "carriers.display",
    input = { carrierCode = "POSTNORD", serviceCode = "PN-MYPACK-HOME" },
    expect = { carrier = "PostNord", service = "MyPack Home" } },
}
