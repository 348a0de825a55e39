-- Wraps the default accept, adds Åland postcodes, keeps everything else.
local default = require "cg.orders"
local postcodes = require "cg.postcodes"
local vip = require "lib.vip"

postcodes.formats.AX = { "^22%d%d%d$" }

local M = {}

M.allow_partial_shipment = false

function M.accept(order)
  if vip.is_vip(order) then return { action = "accept" } end
  return default.accept(order)
end

return M
