-- hostile-mix: a rule pack that misbehaves on purpose, for the end-to-end
-- test that one bad rule call ends as RULE_ERROR on its own order while
-- every other order flows. By order number modulo 10:
--   0 -> infinite loop            1 -> infinite loop inside pcall
--   2 -> memory bomb              3 -> os.execute (no os in the sandbox)
-- Never use it for a merchant.
return {
  name = "hostile-mix",
  version = "1.0.0",
  api = 1,
  notes = "test fixture: misbehaves for orders whose number ends in 0-3",
}
