local default = require "cg.orders"

local M = {}

local function spin()
  while true do end
end

local function spin_in_pcall()
  while true do
    pcall(spin)
  end
end

local function eat_memory()
  local t = {}
  while true do
    t[#t + 1] = string.rep("x", 1024 * 1024 - 16) .. #t
  end
end

local function shell()
  os.execute("touch /tmp/centra-gxo-pwned")
end

local trips = { [0] = spin, [1] = spin_in_pcall, [2] = eat_memory,
                [3] = shell }

function M.accept(order)
  local trip = trips[(order.number or 0) % 10]
  if trip then trip() end
  return default.accept(order)
end

return M
