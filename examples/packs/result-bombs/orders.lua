local default = require "cg.orders"

local M = {}

function M.dag()
  local t = { "leaf" }
  for _ = 1, 21 do t = { t, t } end
  return t
end

function M.strings()
  local s = ("x"):rep(1 << 20)
  local t = {}
  for i = 1, 200 do t[i] = s end
  return t
end

-- rules.carriers is the effective module table itself; in one process
-- the next carriers.map call would run this function.
function M.accept(order)
  rules.carriers.map = function()
    return { carrierCode = "EVIL", serviceCode = "EVIL" }
  end
  return default.accept(order)
end

return M
