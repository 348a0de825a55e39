local M = {}

function M.accept(order)
  seen = true
  return { action = "accept" }
end

function M.check_address(order)
  rawset(_ENV, "seen", true)
end

return M
