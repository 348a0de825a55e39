local M = {}

function M.accept(order)
  local s = string.rep("x", 1 << 40)
  return { action = "accept", reason = s }
end

function M.check_address(order)
  local s = ("a"):rep(50000)
  return { s:find(".-.-.-.-.-.-b") }
end

return M
