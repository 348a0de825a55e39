-- The GXO order built for the reference order, field by field as in the
-- warehouse contract's example.
local fx = require "cg.fixtures"

local carrier = { carrierCode = "POSTNORD", serviceCode = "PN-MYPACK-HOME" }

return {
  { name = "the reference order becomes the contract example",
    hook = "orders.payload", args = { fx.order(), carrier },
    expect = {
      orderRef = "83651", orderDate = "2026-03-04T08:12:00Z",
      currency = "EUR",
      shipTo = { name = "Anna Svensson", company = cg.null,
                 address1 = "Storgatan 1", address2 = cg.null,
                 city = "Stockholm", region = cg.null, postalCode = "11122",
                 countryCode = "SE", phone = "+46700000000",
                 email = "anna@example.com" },
      shipping = { carrierCode = "POSTNORD", serviceCode = "PN-MYPACK-HOME",
                   servicePointId = cg.null },
      allowPartialShipment = true, instructions = cg.null,
      giftMessage = cg.null,
      lines = { { lineRef = "43243", sku = "M411740BLK38",
                  gtin = "5772428043001", quantity = 1,
                  unitPrice = "450.50" } },
    } },

  { name = "cancelled units are not sent (quantity excludes them)",
    hook = "orders.payload",
    args = { fx.order { lines = { {
      id = 1, quantity = 2, cancelledQuantity = 1,
      unitPrice = { value = 10 }, productSize = { SKU = "A", EAN = "" } } } },
      carrier },
    expect = { lines = { { lineRef = "1", sku = "A", gtin = cg.null,
                           quantity = 2, unitPrice = "10.00" } } } },
}
