-- Hostile pack for the rule host tests (tests/unit/test_rulehost.c): each
-- hook calls a C function of the standard library that loops far longer
-- than any budget, with no VM instruction in between, so the instruction
-- and time hook never fires. Only the rule host's kill stops them (a
-- call child SIGKILLed at the call budget + 100 ms). Never call these
-- hooks in process: they block the calling thread for hours.
return { name = "hostile-c-loops", version = "0.0.1", api = 1,
         notes = "C functions that hooks cannot interrupt" }
