-- Hostile pack for the rule host's plans (tests/unit/test_rulehost.c):
-- orders.accept loops in C (string.rep of the empty string, which no
-- instruction hook interrupts) for orders whose number ends in 7; every
-- other order is decided like rules/default. Only the rule host's kill
-- stops such an order: never plan one in process.
return { name = "c-loop-one", version = "0.0.1", api = 1,
         notes = "orders ending in 7 loop in C" }
