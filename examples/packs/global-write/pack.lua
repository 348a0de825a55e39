-- Hostile pack for tests: writes and reads undeclared globals to keep state between calls
-- Loads fine; its orders.accept hook misbehaves, and the engine must turn
-- that into RULE_ERROR on the one order while others keep flowing.
return { name = "hostile-global-write", version = "0.0.1", api = 1,
         notes = "writes and reads undeclared globals to keep state between calls" }
