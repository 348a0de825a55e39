-- cg.util: small helpers shared by the default rules and available to
-- packs (`local util = require "cg.util"`).
--
-- Values from Centra arrive as JSON: a missing field is nil, a JSON null
-- is cg.null. `util.str(v)` folds both (and blank strings) into nil so
-- rules can write `if util.str(a.address2) then ... end`.
local M = {}

local byte, sub = string.byte, string.sub

local function is_space(b)
  return b == 32 or (b >= 9 and b <= 13)
end

-- Trims ASCII white space. A byte loop instead of a pattern keeps the
-- cost linear for any input length.
function M.trim(s)
  local i, j = 1, #s
  while i <= j and is_space(byte(s, i)) do i = i + 1 end
  while j >= i and is_space(byte(s, j)) do j = j - 1 end
  return sub(s, i, j)
end

-- The trimmed string value of v, or nil for nil, cg.null, non-strings
-- (numbers become strings) and blank strings.
function M.str(v)
  if type(v) == "number" then v = tostring(v) end
  if type(v) ~= "string" then return nil end
  v = M.trim(v)
  if v == "" then return nil end
  return v
end

-- v, or cg.null when v is nil: for JSON fields that must be present.
function M.or_null(v)
  if v == nil then return cg.null end
  return v
end

-- Characters (UTF-8 code points) in s; nil when s is not valid UTF-8.
function M.len(s)
  return utf8.len(s)
end

-- s cut to at most n characters, never inside a UTF-8 sequence.
function M.truncate(s, n)
  local len = utf8.len(s)
  if len == nil or len <= n then return s end
  return sub(s, 1, utf8.offset(s, n + 1) - 1)
end

-- Walks a path of keys through nested tables; nil when any step is
-- missing or not a table. util.get(order, "shippingAddress", "country", "code")
function M.get(t, ...)
  for i = 1, select("#", ...) do
    if type(t) ~= "table" then return nil end
    t = t[select(i, ...)]
  end
  if t == cg.null then return nil end
  return t
end

-- Money (a JSON number) as a decimal string with two decimals.
function M.money(v)
  if math.type(v) == nil then return nil end
  return string.format("%.2f", v)
end

-- A deep copy of plain data (keeps the JSON array/object markers).
function M.copy(v, depth)
  depth = depth or 0
  if type(v) ~= "table" then return v end
  if depth > 32 then error("util.copy: nested too deeply", 2) end
  local out = {}
  for k, x in pairs(v) do out[k] = M.copy(x, depth + 1) end
  if cg.is_array(v) and next(v) == nil then return cg.array(out) end
  if not cg.is_array(v) and next(v) == nil then return cg.object(out) end
  return out
end

return M
