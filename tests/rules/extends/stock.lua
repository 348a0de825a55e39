-- Data only: the default stock.policy hook reads these (scripts/cg/stock.lua).
return {
  sellable = { "AVAILABLE" },
  buffer = 1,
  buffer_prefixes = { ["TS-"] = 2 },
  caps = { ["LIMITED-1"] = 10 },
  exclude_prefixes = { "B2B-" },
  returns = "centra",
}
