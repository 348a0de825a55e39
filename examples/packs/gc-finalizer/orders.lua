local M = {}

function M.accept(order)
  setmetatable({}, { __gc = function() while true do end end })
  return { action = "accept" }
end

-- The two-step variant: a non-function __gc first, replaced later.
function M.check_address(order)
  local mt = { __gc = true }
  setmetatable({}, mt)
  mt.__gc = function() while true do end end
end

return M
