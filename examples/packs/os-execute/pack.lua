-- Hostile pack for tests: tries os.execute, io.open and require of os/io
-- Loads fine; its orders.accept hook misbehaves, and the engine must turn
-- that into RULE_ERROR on the one order while others keep flowing.
return { name = "hostile-os-execute", version = "0.0.1", api = 1,
         notes = "tries os.execute, io.open and require of os/io" }
