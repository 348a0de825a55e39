-- orders.lua of hostile-mix: see pack.lua.
local default = require "cg.orders"

local M = {}

local function spin()
  local n = 0
  while true do n = n + 1 end
end

local function bomb()
  local t = {}
  for i = 1, 1e9 do t[i] = string.rep("x", 4096) .. i end
  return t
end

function M.accept(order)
  local k = order.number % 10
  if k == 0 then
    spin()
  elseif k == 1 then
    pcall(spin)
    pcall(spin)
  elseif k == 2 then
    bomb()
  elseif k == 3 then
    os.execute("touch /tmp/centra-gxo-pwned")
  end
  return default.accept(order)
end

return M
