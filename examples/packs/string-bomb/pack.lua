-- Hostile pack for tests: string.rep and pattern backtracking that hooks cannot interrupt
-- Loads fine; its orders.accept hook misbehaves, and the engine must turn
-- that into RULE_ERROR on the one order while others keep flowing.
return { name = "hostile-string-bomb", version = "0.0.1", api = 1,
         notes = "string.rep and pattern backtracking that hooks cannot interrupt" }
