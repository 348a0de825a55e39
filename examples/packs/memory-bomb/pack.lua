-- Hostile pack for tests: grows a table of 1 MiB strings until the memory ceiling
-- Loads fine; its orders.accept hook misbehaves, and the engine must turn
-- that into RULE_ERROR on the one order while others keep flowing.
return { name = "hostile-memory-bomb", version = "0.0.1", api = 1,
         notes = "grows a table of 1 MiB strings until the memory ceiling" }
