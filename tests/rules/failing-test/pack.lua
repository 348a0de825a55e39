-- Test pack whose own test fails: `rules test` must refuse it.
return { name = "failing-test", version = "1.0.0", api = 1 }
