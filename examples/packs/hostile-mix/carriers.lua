-- carriers.lua: Centra shipping options -> GXO carrier and service codes.
--
-- `options` is keyed by the shipping option's `uri` in Centra (Centra
-- admin: Shipping > Shipping options). An order whose option is not listed
-- here is held as UNMAPPED_CARRIER until a mapping is added and the pack
-- reloaded. The default `map` hook (scripts/cg/carriers.lua) reads this
-- table; define `map(option, order)` here to decide per order instead.
--
-- `names` and `services` turn GXO codes back into the names Centra shows
-- the customer when a shipment is confirmed.
return {
  options = {
    ["postnord-home"] = {
      carrierCode = "POSTNORD", serviceCode = "PN-MYPACK-HOME" },
    ["postnord-service-point"] = {
      carrierCode = "POSTNORD", serviceCode = "PN-MYPACK-COLLECT" },
    ["dhl-express"] = { carrierCode = "DHL", serviceCode = "DHL-EXPRESS" },
    ["ups-standard"] = { carrierCode = "UPS", serviceCode = "UPS-STANDARD" },
  },

  names = { POSTNORD = "PostNord", DHL = "DHL", UPS = "UPS" },

  services = {
    ["PN-MYPACK-HOME"] = "MyPack Home",
    ["PN-MYPACK-COLLECT"] = "MyPack Collect",
    ["DHL-EXPRESS"] = "Express Worldwide",
    ["UPS-STANDARD"] = "Standard",
  },
}
