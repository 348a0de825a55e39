local M = {}

function M.accept(order)
  while true do end
end

return M
