-- Test pack: extends the engine defaults instead of copying them. Loaded
-- by tests/rules/test_rules_cli.sh through `centra-gxo rules test`.
return { name = "extends", version = "2.0.0-rc.1", api = 1,
         notes = "data-only carriers, a wrapped accept, an extra postcode" }
