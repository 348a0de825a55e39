-- cg.alerts: who owns an exception, how bad it is, where it goes (route,
-- not wired yet), and each accepted order's dispatch deadline (deadline,
-- asked by the SLA monitor, core/flows/monitor.c).
--
--   route(exception) -> {owner = "ops", severity = "warning",
--                        channel = "log", slaMinutes = 240}
--       exception is {type = "UNMAPPED_CARRIER", entity = "order:83651",
--                     message = "..."}
--
--   deadline(order, acceptedAt) -> {deadline = ms, warnAt = ms | nil,
--                                   due = "Tue 2026-03-10 18:00 CET",
--                                   option = "postnord-home"} | nil
--       order is the canonical Centra order; acceptedAt the time the
--       warehouse accepted it (ms since the epoch, UTC). nil = this order
--       has no SLA. The rules (data a pack sets in rules.alerts.sla):
--
--   sla = {
--     timezone = "Europe/Stockholm", -- a name of cg.tz.zones or a POSIX
--                                    -- TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3")
--     workdays = {1, 2, 3, 4, 5},    -- ISO weekdays the warehouse ships
--     holidays = {"2026-12-24"},     -- local dates it does not
--     cutoff = "14:00",              -- accepted later (local) = counts
--                                    -- from the next working day
--     days = 1,                      -- working days after that day
--     by = "18:00",                  -- dispatched by this local time
--     warn_share = 0.75,             -- SLA_WARNING at this share of the
--                                    -- time from acceptance to the
--                                    -- deadline; false = no warning
--     options = { express = { cutoff = "16:00", days = 0 },
--                 ["pickup-later"] = false },  -- per shipping option uri:
--                                    -- overrides, or false = no SLA
--   }
--
-- An order accepted on a working day before the cut-off is "received"
-- that day; after it, or on a day off, on the next working day. It is due
-- `days` working days after the received day, at `by`. So with the
-- defaults an order accepted Friday 15:00 is received Monday and due
-- Tuesday 18:00; with days = 0 it is due Monday 18:00.
local tz = require "cg.tz"

local M = {}

M.routes = {
  UNMAPPED_CARRIER = { owner = "integrator", severity = "error" },
  INVALID_ADDRESS = { owner = "customer-service", severity = "warning" },
  UNKNOWN_SKU = { owner = "merchandising", severity = "error" },
  RULE_ERROR = { owner = "integrator", severity = "critical" },
  PARTNER_REJECTED = { owner = "ops", severity = "error" },
  SLA_WARNING = { owner = "ops", severity = "warning" },
  SLA_BREACH = { owner = "ops", severity = "error" },
}
M.default_route = { owner = "ops", severity = "warning" }
M.channel = "log"
M.sla_minutes = 240

M.sla = {
  timezone = "Europe/Stockholm",
  workdays = { 1, 2, 3, 4, 5 },
  holidays = {},
  cutoff = "14:00",
  days = 1,
  by = "18:00",
  warn_share = 0.75,
  options = {},
}

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

local function clock(s, what)
  local h, m = tostring(s):match("^(%d%d?):(%d%d)$")
  if h == nil or tonumber(h) > 24 or tonumber(m) > 59 then
    error("alerts.sla." .. what .. " must be \"HH:MM\", not "
      .. tostring(s), 0)
  end
  return tonumber(h) * 3600 + tonumber(m) * 60
end

local function working(rule, day)
  local y, m, d = tz.civil_from_days(day)
  if rule.off[string.format("%04d-%02d-%02d", y, m, d)] then return false end
  return rule.on[tz.weekday(day)] == true
end

-- The next working day at or after day (a year of days off is an error).
local function next_working(rule, day)
  for _ = 1, 366 do
    if working(rule, day) then return day end
    day = day + 1
  end
  error("alerts.sla: no working day within a year", 0)
end

-- The pack's table with the option's overrides, in usable form.
local function rule_for(sla, uri)
  local o = sla.options and sla.options[uri]
  if o == false then return nil end
  o = o or {}
  local function pick(k)
    if o[k] ~= nil then return o[k] end
    if sla[k] ~= nil then return sla[k] end
    return M.sla[k] -- a pack that sets some keys keeps the other defaults
  end
  local r = { zone = tz.zone(pick("timezone")), on = {}, off = {},
              cutoff = clock(pick("cutoff"), "cutoff"),
              by = clock(pick("by"), "by"), days = pick("days"),
              warn = pick("warn_share") }
  for _, wd in ipairs(pick("workdays") or {}) do r.on[wd] = true end
  for _, h in ipairs(pick("holidays") or {}) do r.off[h] = true end
  if math.type(r.days) ~= "integer" or r.days < 0 or r.days > 60 then
    error("alerts.sla.days must be an integer 0..60", 0)
  end
  return r
end

-- The deadline of an order accepted at accepted_ms under sla, for the
-- shipping option uri (pure: tests call it with their own tables).
function M.compute(sla, uri, accepted_ms)
  local r = rule_for(sla, uri)
  if r == nil then return nil end
  local s = accepted_ms // 1000
  local l = tz.to_local(r.zone, s)
  local day, secs = l // 86400, l % 86400
  local received = next_working(r, day)
  if received == day and secs >= r.cutoff then
    received = next_working(r, day + 1)
  end
  local due = received
  for _ = 1, r.days do due = next_working(r, due + 1) end
  local deadline = tz.from_local(r.zone, due * 86400 + r.by) * 1000
  if deadline <= accepted_ms then deadline = accepted_ms + 1000 end
  local warn = nil
  if r.warn and r.warn > 0 and r.warn < 1 then
    warn = accepted_ms + math.floor((deadline - accepted_ms) * r.warn)
  end
  local y, m, d = tz.civil_from_days(due)
  local names = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" }
  return { deadline = deadline, warnAt = warn, option = uri,
           due = string.format("%s %04d-%02d-%02d %02d:%02d",
             names[tz.weekday(due)], y, m, d, r.by // 3600,
             r.by % 3600 // 60) }
end

local function option_uri(order)
  local g = type(order) == "table" and order.shippingPriceGroup
  local o = type(g) == "table" and g.shippingOption
  return type(o) == "table" and type(o.uri) == "string" and o.uri or ""
end

function M.deadline(order, accepted_at)
  return M.compute(rules.alerts.sla, option_uri(order),
                   math.tointeger(accepted_at) or 0)
end

-- Called once at load: refuses a generation whose SLA rules cannot work.
function M.validate(self)
  if self.sla ~= nil then
    rule_for(self.sla, "")
    for uri, _ in pairs(self.sla.options or {}) do rule_for(self.sla, uri) end
  end
end

return M
