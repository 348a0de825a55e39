-- Stock: what of the warehouse's physical stock Centra may sell
-- (stock.policy, asked once per rule generation). Calling the hook here
-- also runs the engine's check of its table, so a pack whose stock.lua
-- the engine could not read is refused at load.
return {
  { name = "AVAILABLE and ALLOCATED stock is sellable, nothing held back",
    hook = "stock.policy", args = {},
    expect = { sellable = { "AVAILABLE", "ALLOCATED" }, buffer = 0,
               returns = "warehouse", drift_threshold = 0 } },
}
