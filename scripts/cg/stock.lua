-- cg.stock: which GXO stock statuses are sellable in Centra, and a safety
-- buffer per SKU (a later issue wires them).
--
--   sellable(status) -> boolean         status is a GXO stock status
--   buffer(sku) -> integer >= 0         units held back from Centra
local M = {}

M.sellable_statuses = { SELLABLE = true }
M.buffers = {}      -- ["SKU"] = units
M.default_buffer = 0

function M.sellable(status)
  return rules.stock.sellable_statuses[status] == true
end

function M.buffer(sku)
  return rules.stock.buffers[sku] or rules.stock.default_buffer
end

return M
