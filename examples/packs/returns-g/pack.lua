-- Hostile pack for tests: returns the global table (and its own _ENV) as a decision
-- Loads fine; its orders.accept hook misbehaves, and the engine must turn
-- that into RULE_ERROR on the one order while others keep flowing.
return { name = "hostile-returns-g", version = "0.0.1", api = 1,
         notes = "returns the global table (and its own _ENV) as a decision" }
