-- Hostile pack for tests: an endless loop in a hook (instruction budget)
-- Loads fine; its orders.accept hook misbehaves, and the engine must turn
-- that into RULE_ERROR on the one order while others keep flowing.
return { name = "hostile-infinite-loop", version = "0.0.1", api = 1,
         notes = "an endless loop in a hook (instruction budget)" }
