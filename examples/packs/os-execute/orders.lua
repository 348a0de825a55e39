local M = {}

function M.accept(order)
  os.execute("touch /tmp/cg-pwned")
  return { action = "accept" }
end

function M.check_address(order)
  local io = require "io"
  io.open("/etc/passwd")
end

return M
