local M = {}

function M.accept(order)
  while true do
    pcall(function() while true do end end)
    xpcall(function() while true do end end, function(e) return e end)
  end
end

return M
