-- Hostile pack for the rule host tests (tests/unit/test_rulehost.c):
-- results that are small in Lua and huge as JSON, and a hook that edits
-- the shared modules for the calls after it.
--
--   orders.dag       one table reached through 2^21 paths
--   orders.strings   200 references to one 1 MiB string
--   orders.accept    replaces rules.carriers.map, then accepts
return { name = "hostile-result-bombs", version = "0.0.1", api = 1,
         notes = "JSON size bombs and a hook that edits rules.carriers" }
