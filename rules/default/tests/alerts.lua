-- SLA: the dispatch deadline of an order the warehouse accepted
-- (alerts.deadline); defaults: Europe/Stockholm, cut-off 14:00, one
-- working day, dispatched by 18:00.
local fx = require "cg.fixtures"

return {
  { name = "accepted Friday 15:00, after the cut-off: due Tuesday 18:00",
    hook = "alerts.deadline",
    args = { fx.order(), 1772805600000 }, -- 2026-03-06T14:00:00Z
    expect = { deadline = 1773162000000, due = "Tue 2026-03-10 18:00",
               option = "postnord-home" } },

  { name = "accepted Friday 13:00, before the cut-off: due Monday 18:00",
    hook = "alerts.deadline",
    args = { fx.order(), 1772798400000 }, -- 2026-03-06T12:00:00Z
    expect = { deadline = 1773075600000, due = "Mon 2026-03-09 18:00" } },
}
