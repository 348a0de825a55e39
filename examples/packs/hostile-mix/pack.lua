-- Hostile pack for the end-to-end test (tests/e2e/test_orders_rules.c):
-- orders whose number ends in 0-3 trip a different sandbox limit each,
-- every other order is accepted and mapped like rules/default. The engine
-- must turn each trip into RULE_ERROR on that one order and keep going.
--
--   number % 10 == 0   endless loop                  (instruction budget)
--   number % 10 == 1   endless loop inside pcall     (budget, not swallowed)
--   number % 10 == 2   memory bomb                   (memory ceiling)
--   number % 10 == 3   os.execute                    (no os in the sandbox)
return { name = "hostile-mix", version = "0.0.1", api = 1,
         notes = "sandbox limits chosen by order number" }
