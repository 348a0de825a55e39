-- Data only: the default map hook reads this table.
return {
  options = {
    ["bring-home"] = { carrierCode = "BRING", serviceCode = "BRING-HOME" },
    ["pickup"] = { carrierCode = "BRING", serviceCode = "BRING-PICKUP",
                   servicePointId = "SP-1" },
  },
  names = { BRING = "Bring" },
}
