-- cg.stock: what of the warehouse's physical stock Centra may sell
-- (docs/rule-packs.md "stock.policy", docs/internals/stock.md). The
-- engine asks stock.policy() once per rule generation and applies the
-- table itself to every SKU; a table it cannot read is a RULE_ERROR and
-- the policy in force stays.
--
-- Data a pack provides (read through rules.stock; keys left out keep the
-- defaults below):
--
--   sellable = { "AVAILABLE", "ALLOCATED" }
--       warehouse stock statuses counted as sellable: AVAILABLE,
--       ALLOCATED, QUARANTINE, DAMAGED, BLOCKED (at least one)
--   buffer = 0              units held back from every SKU
--   buffers = { ["M411740BLK38"] = 2 }      per SKU
--   buffer_prefixes = { ["GIFT-"] = 1 }     per SKU prefix (longest wins)
--   cap = nil               at most this many units per SKU (nil: none)
--   caps = { ["LIMITED-01"] = 50 }          per SKU
--   cap_prefixes = { ["PRE-"] = 10 }        per SKU prefix
--   exclude = { "SAMPLE-1" }                SKUs never pushed to Centra
--   exclude_prefixes = { "B2B-" }           SKU prefixes never pushed
--   returns = "warehouse"   "warehouse": a return restocks through the
--                           warehouse feed only; "centra": Centra's
--                           return policy restocks
--   drift_threshold = 0     a Centra figure off by more than this many
--                           units raises STOCK_DRIFT (0: any difference)
--
-- A SKU's own entry wins over its prefixes, the longest prefix over
-- shorter ones, and both over buffer / cap. The figure pushed is the
-- sellable units less the buffer, at most the cap, never below 0.
--
-- Hook:
--
--   policy() -> the table above (the engine checks it)
local M = {}

M.sellable = { "AVAILABLE", "ALLOCATED" }
M.buffer = 0
M.buffers = {}
M.buffer_prefixes = {}
M.caps = {}
M.cap_prefixes = {}
M.exclude = {}
M.exclude_prefixes = {}
M.returns = "warehouse"
M.drift_threshold = 0

local keys = { "sellable", "buffer", "buffers", "buffer_prefixes", "cap",
               "caps", "cap_prefixes", "exclude", "exclude_prefixes",
               "returns", "drift_threshold" }

function M.policy()
  local s = rules.stock
  local t = {}
  for _, k in ipairs(keys) do
    t[k] = s[k]
  end
  return t
end

return M
