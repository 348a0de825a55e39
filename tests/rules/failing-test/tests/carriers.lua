local fx = require "cg.fixtures"
return {
  { name = "expects a mapping the pack does not have", hook = "carriers.map",
    args = { fx.option("postnord-home"), fx.order() },
    expect = { carrierCode = "POSTNORD" } },
}
