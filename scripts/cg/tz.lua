-- cg.tz: local time of a merchant's time zone, in pure arithmetic (rule
-- code has no os.date and no file access: the zone database cannot be
-- read, and libc's TZ is global to a process).
--
-- A zone is a POSIX TZ rule, the form the last line of every zoneinfo
-- file holds (`tail -1 /usr/share/zoneinfo/Europe/Stockholm`):
--
--   "CET-1CEST,M3.5.0,M10.5.0/3"    std name, offset WEST of UTC, dst
--                                   name [offset], start and end rules
--   "UTC0", "<+04>-4"                no daylight saving
--
-- or one of the names in M.zones below. Rules must be Mm.w.d (month,
-- week 1..5 with 5 = last, weekday 0 = Sunday) with an optional /time
-- (hours, may be negative or past 24); the Jn and n day forms are
-- refused. The zone's current rule is applied to every year: right for
-- deadlines (days ahead), not for history before the rule was adopted.
--
--   tz.zone(name)            -> zone table (error on a bad rule)
--   tz.utc_offset(zone, s)   -> seconds east of UTC at UTC second s
--   tz.to_local(zone, s)     -> local seconds since 1970-01-01 00:00 local
--   tz.from_local(zone, l)   -> UTC second of local second l (a time in a
--                               spring-forward gap counts as standard
--                               time; in the repeated autumn hour, the
--                               first)
--   tz.days_from_civil(y, m, d), tz.civil_from_days(n) -> y, m, d
--   tz.weekday(n)            -> 1 = Monday .. 7 = Sunday for day number n
local M = {}

M.zones = {
  UTC = "UTC0",
  ["Etc/UTC"] = "UTC0",
  ["Europe/London"] = "GMT0BST,M3.5.0/1,M10.5.0",
  ["Europe/Dublin"] = "IST-1GMT0,M10.5.0,M3.5.0/1",
  ["Europe/Lisbon"] = "WET0WEST,M3.5.0/1,M10.5.0",
  ["Europe/Stockholm"] = "CET-1CEST,M3.5.0,M10.5.0/3",
  ["Europe/Oslo"] = "CET-1CEST,M3.5.0,M10.5.0/3",
  ["Europe/Copenhagen"] = "CET-1CEST,M3.5.0,M10.5.0/3",
  ["Europe/Berlin"] = "CET-1CEST,M3.5.0,M10.5.0/3",
  ["Europe/Amsterdam"] = "CET-1CEST,M3.5.0,M10.5.0/3",
  ["Europe/Paris"] = "CET-1CEST,M3.5.0,M10.5.0/3",
  ["Europe/Madrid"] = "CET-1CEST,M3.5.0,M10.5.0/3",
  ["Europe/Rome"] = "CET-1CEST,M3.5.0,M10.5.0/3",
  ["Europe/Warsaw"] = "CET-1CEST,M3.5.0,M10.5.0/3",
  ["Europe/Helsinki"] = "EET-2EEST,M3.5.0/3,M10.5.0/4",
  ["America/New_York"] = "EST5EDT,M3.2.0,M11.1.0",
  ["America/Chicago"] = "CST6CDT,M3.2.0,M11.1.0",
  ["America/Los_Angeles"] = "PST8PDT,M3.2.0,M11.1.0",
  ["Australia/Sydney"] = "AEST-10AEDT,M10.1.0,M4.1.0/3",
  ["Asia/Tokyo"] = "JST-9",
}

function M.days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

function M.civil_from_days(n)
  n = n + 719468
  local era = (n >= 0 and n or n - 146096) // 146097
  local doe = n - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  return m <= 2 and y + 1 or y, m, d
end

function M.weekday(n)
  return (n + 3) % 7 + 1 -- 1970-01-01 was a Thursday (4)
end

local function bad(spec, why)
  error("time zone '" .. tostring(spec) .. "': " .. why, 0)
end

-- [+-]hh[:mm[:ss]] at position i: seconds and the next position.
local function hms(spec, i)
  local sign, h, rest, j = spec:match("^([+-]?)(%d+)([:%d]*)()", i)
  if h == nil then bad(spec, "an offset or time is missing") end
  local mm, ss = rest:match("^:(%d+):?(%d*)$")
  if rest ~= "" and mm == nil then bad(spec, "bad hh:mm:ss") end
  local s = tonumber(h) * 3600 + tonumber(mm or 0) * 60
    + tonumber(ss ~= nil and ss ~= "" and ss or 0)
  return sign == "-" and -s or s, j
end

local function name_at(spec, i)
  local quoted, j = spec:match("^<([^>]+)>()", i)
  if quoted then return quoted, j end
  local n, k = spec:match("^(%a%a%a+)()", i)
  return n, k
end

local function rule_at(spec, i)
  local m, w, d, j = spec:match("^,M(%d+)%.(%d)%.(%d)()", i)
  if m == nil then bad(spec, "only Mm.w.d rules are supported") end
  local r = { month = tonumber(m), week = tonumber(w), wday = tonumber(d),
              time = 7200 }
  if r.month < 1 or r.month > 12 or r.week < 1 or r.week > 5
      or r.wday > 6 then
    bad(spec, "rule out of range")
  end
  if spec:sub(j, j) == "/" then r.time, j = hms(spec, j + 1) end
  return r, j
end

local function parse(spec)
  local z = {}
  local std, i = name_at(spec, 1)
  if std == nil then bad(spec, "no standard time name") end
  local west
  west, i = hms(spec, i)
  z.std = -west
  local dst, j = name_at(spec, i)
  if dst == nil then
    if i <= #spec then bad(spec, "unexpected text") end
    return z
  end
  i = j
  z.dst = z.std + 3600
  if spec:sub(i, i) ~= "," and i <= #spec then
    west, i = hms(spec, i)
    z.dst = -west
  end
  if i > #spec then bad(spec, "daylight time needs start and end rules") end
  z.start, i = rule_at(spec, i)
  z.stop, i = rule_at(spec, i)
  if i <= #spec then bad(spec, "unexpected text") end
  return z
end

function M.zone(name)
  if type(name) ~= "string" or name == "" then
    bad(name, "a zone name or POSIX TZ rule is required")
  end
  return parse(M.zones[name] or name)
end

local function month_days(y, m)
  local ny, nm = y, m + 1
  if nm == 13 then ny, nm = y + 1, 1 end
  return M.days_from_civil(ny, nm, 1) - M.days_from_civil(y, m, 1)
end

-- The day number of rule r in year y.
local function rule_day(y, r)
  local first = M.days_from_civil(y, r.month, 1)
  local wd = M.weekday(first) % 7 -- 0 = Sunday
  local day = first + (r.wday - wd) % 7 + 7 * (r.week - 1)
  while day - first >= month_days(y, r.month) do day = day - 7 end
  return day
end

-- UTC seconds of daylight time's start and end in year y.
local function transitions(z, y)
  local on = rule_day(y, z.start) * 86400 + z.start.time - z.std
  local off = rule_day(y, z.stop) * 86400 + z.stop.time - z.dst
  return on, off
end

local function in_dst(z, s)
  if z.start == nil then return false end
  local y = M.civil_from_days((s + z.std) // 86400)
  local on, off = transitions(z, y)
  if on < off then return s >= on and s < off end
  return s >= on or s < off -- southern hemisphere
end

function M.utc_offset(z, s)
  return in_dst(z, s) and z.dst or z.std
end

function M.to_local(z, s)
  return s + M.utc_offset(z, s)
end

function M.from_local(z, l)
  local s = l - z.std
  if z.start ~= nil and in_dst(z, l - z.dst) then
    return l - z.dst
  end
  return s
end

return M
