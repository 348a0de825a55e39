-- Test helper (names starting with '_' are not test files).
local fx = require "cg.fixtures"
local M = {}
function M.vip_on_hold()
  return fx.order { isOnHold = true,
                    shippingAddress = { email = "vip@example.com" } }
end
return M
