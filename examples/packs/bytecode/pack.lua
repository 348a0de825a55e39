-- Hostile pack for tests: tries to produce and load bytecode (the test also loads a real binary chunk)
-- Loads fine; its orders.accept hook misbehaves, and the engine must turn
-- that into RULE_ERROR on the one order while others keep flowing.
return { name = "hostile-bytecode", version = "0.0.1", api = 1,
         notes = "tries to produce and load bytecode (the test also loads a real binary chunk)" }
