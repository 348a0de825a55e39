-- orders.lua: order acceptance, address policy and the GXO payload.
--
-- This pack extends the engine default (scripts/cg/orders.lua) instead of
-- copying it: `require "cg.orders"` gives the default table, and any key
-- set here replaces the default one. Hooks:
--
--   accept(order)          {action = "accept"} or
--                          {action = "hold", reason = "CODE", message = "..."}
--   check_address(order)   nil / {} when fine, else a list of problems
--                          {field = ..., code = ..., message = ...}
--                          -> the order is held as INVALID_ADDRESS
--   payload(order, carrier) the GXO v1 order table
--
-- `order` is the canonical Centra order (docs/internals/centra-api-subset.md)
-- with JSON null as cg.null; `carrier` is what carriers.map returned.
local default = require "cg.orders"

local M = {}

-- GXO may ship the lines it has and back-order the rest.
M.allow_partial_shipment = true

-- Orders need a phone number or an e-mail address for the carrier's
-- delivery notice.
M.require_contact = true

-- Accept like the default, but hold orders that ask for manual handling
-- in their comment ("#hold" anywhere in it).
function M.accept(order)
  local comment = order.otherComment
  if type(comment) == "string" and comment:find("#hold", 1, true) then
    return { action = "hold", reason = "MANUAL_HOLD",
             message = "the order comment asks for a manual hold" }
  end
  return default.accept(order)
end

return M
