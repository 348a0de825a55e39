-- cg.returns: what a received return line means for Centra (a later issue
-- wires it).
--
--   disposition(line, receipt) -> {action = "restock"|"refund"|"quarantine"}
--       line is one return.received line (condition, disposition,
--       quantityReceived), receipt the whole return.received data.
local M = {}

M.restock_conditions = { SELLABLE = true, SELLABLE_B = true }

function M.disposition(line, receipt)
  if (line.quantityReceived or 0) == 0 then
    return { action = "quarantine" }
  end
  if rules.returns.restock_conditions[line.condition] then
    return { action = "restock" }
  end
  return { action = "refund" }
end

return M
