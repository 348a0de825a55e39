-- Hostile pack for tests: a __gc finalizer that would run with hooks off
-- Loads fine; its orders.accept hook misbehaves, and the engine must turn
-- that into RULE_ERROR on the one order while others keep flowing.
return { name = "hostile-gc-finalizer", version = "0.0.1", api = 1,
         notes = "a __gc finalizer that would run with hooks off" }
