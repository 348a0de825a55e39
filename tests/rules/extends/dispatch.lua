-- Data only: the default hooks read these tables (scripts/cg/dispatch.lua).
return {
  capture = { default = "on_shipment", klarna = "manual" },
  remainders = "hold",
}
