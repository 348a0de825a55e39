-- Hostile pack for tests: an endless loop wrapped in pcall, trying to swallow the budget error
-- Loads fine; its orders.accept hook misbehaves, and the engine must turn
-- that into RULE_ERROR on the one order while others keep flowing.
return { name = "hostile-pcall-loop", version = "0.0.1", api = 1,
         notes = "an endless loop wrapped in pcall, trying to swallow the budget error" }
