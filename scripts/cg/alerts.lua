-- cg.alerts: who owns an exception, how bad it is, where it goes and how
-- soon it must be handled (a later issue wires it).
--
--   route(exception) -> {owner = "ops", severity = "warning",
--                        channel = "log", slaMinutes = 240}
--       exception is {type = "UNMAPPED_CARRIER", entity = "order:83651",
--                     message = "..."}
local M = {}

M.routes = {
  UNMAPPED_CARRIER = { owner = "integrator", severity = "error" },
  INVALID_ADDRESS = { owner = "customer-service", severity = "warning" },
  UNKNOWN_SKU = { owner = "merchandising", severity = "error" },
  RULE_ERROR = { owner = "integrator", severity = "critical" },
  PARTNER_REJECTED = { owner = "ops", severity = "error" },
}
M.default_route = { owner = "ops", severity = "warning" }
M.channel = "log"
M.sla_minutes = 240

function M.route(exception)
  local a = rules.alerts
  local r = a.routes[exception.type] or a.default_route
  return {
    owner = r.owner,
    severity = r.severity,
    channel = r.channel or a.channel,
    slaMinutes = r.slaMinutes or a.sla_minutes,
  }
end

return M
