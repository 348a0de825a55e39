-- cg.carriers: Centra shipping option -> GXO carrier and service, and
-- back to display names for dispatch. No mappings by default: every
-- order is UNMAPPED_CARRIER until the pack's carriers.lua says otherwise.
--
-- Data a pack provides (read through rules.carriers):
--
--   options  = { ["<shipping option uri>"] = { carrierCode = "POSTNORD",
--                  serviceCode = "PN-MYPACK-HOME" }, ... }
--   names    = { POSTNORD = "PostNord", ... }          -- carrier names
--   services = { ["PN-MYPACK-HOME"] = "MyPack Home" }  -- service names
--
-- Hooks:
--
--   map(option, order) -> {carrierCode, serviceCode, servicePointId?} | nil
--       option is Centra's {id, name, uri}; nil means UNMAPPED_CARRIER.
--   display(carrier) -> {carrier = "PostNord", service = "MyPack Home"}
--       carrier is {carrierCode, serviceCode} as GXO reports it; used by
--       dispatch to fill Centra's carrier and service names.
local M = {}

M.options = {}
M.names = {}
M.services = {}

function M.map(option, order)
  if type(option) ~= "table" or type(option.uri) ~= "string" then
    return nil
  end
  local m = rules.carriers.options[option.uri]
  if m == nil then return nil end
  return {
    carrierCode = m.carrierCode,
    serviceCode = m.serviceCode,
    servicePointId = m.servicePointId,
  }
end

function M.display(carrier)
  local c = rules.carriers
  return {
    carrier = c.names[carrier.carrierCode] or carrier.carrierCode,
    service = c.services[carrier.serviceCode] or carrier.serviceCode,
  }
end

-- Called once at load: refuses a generation with a malformed table.
function M.validate(self)
  for uri, m in pairs(self.options) do
    if type(uri) ~= "string" or type(m) ~= "table"
        or type(m.carrierCode) ~= "string" or m.carrierCode == ""
        or type(m.serviceCode) ~= "string" or m.serviceCode == "" then
      error("carriers.options[" .. tostring(uri) .. "] needs carrierCode "
        .. "and serviceCode strings", 0)
    end
  end
end

return M
