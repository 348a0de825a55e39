local M = {}

-- string.rep of the empty string: the result is 0 bytes (under every
-- size cap) but the C loop runs math.maxinteger times.
function M.rep_empty()
  return string.rep("", math.maxinteger)
end

local function huge_len()
  return setmetatable({}, { __len = function() return math.maxinteger - 1 end })
end

-- table.insert at position 1 shifts #t elements, one lua_geti/lua_seti
-- each, inside one C call.
function M.insert_len()
  table.insert(huge_len(), 1, "x")
end

-- table.remove(t, 1) shifts the other way.
function M.remove_len()
  return table.remove(huge_len(), 1)
end

-- table.concat over a proxy whose __index is a C function: no Lua code
-- runs per element, and each adds one byte.
function M.concat_proxy()
  local p = setmetatable({}, { __index = rawlen })
  return #table.concat(p, "", 1, math.maxinteger)
end

-- %b() from every start position of a string of '(': quadratic, and the
-- pattern estimate treats %b as linear.
function M.balanced()
  local s = ("("):rep(1 << 20)
  return s:find("%b()")
end

-- gmatch takes a leading '^' literally and scans from every position;
-- the estimate counts it as anchored.
function M.gmatch_anchor()
  local s = ("^"):rep(1 << 20)
  local n = 0
  for _ in s:gmatch("^.-b") do n = n + 1 end
  return n
end

-- Not hostile: string.rep of the empty string n times, a C loop of n
-- steps that ends well inside the budget. The rule host tests stop the
-- call child while it runs (a starved child) and expect its answer.
function M.rep_bounded(n)
  return #string.rep("", n)
end

return M
