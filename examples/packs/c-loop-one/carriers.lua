-- The same shipping options as rules/default, so good orders flow.
return {
  options = {
    ["postnord-home"] = {
      carrierCode = "POSTNORD", serviceCode = "PN-MYPACK-HOME" },
    ["postnord-service-point"] = {
      carrierCode = "POSTNORD", serviceCode = "PN-MYPACK-COLLECT" },
    ["dhl-express"] = { carrierCode = "DHL", serviceCode = "DHL-EXPRESS" },
    ["ups-standard"] = { carrierCode = "UPS", serviceCode = "UPS-STANDARD" },
  },
}
