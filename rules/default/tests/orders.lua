-- Pack tests run at every load; a failure refuses the new generation.
-- Each case: hook, args (or input), and expect (a subset of the result),
-- expect = cg.null (the hook returns nil) or expect_error = "text".
local fx = require "cg.fixtures"

return {
  { name = "a confirmed paid order is accepted",
    hook = "orders.accept", input = fx.order(),
    expect = { action = "accept" } },

  { name = "an order on hold in Centra is held",
    hook = "orders.accept", input = fx.order { isOnHold = true },
    expect = { action = "hold", reason = "ON_HOLD" } },

  { name = "an order waiting for payment is held",
    hook = "orders.accept",
    input = fx.order { orderHoldReason = "WAITING_FOR_PAYMENT" },
    expect = { action = "hold", reason = "WAITING_FOR_PAYMENT" } },

  { name = "#hold in the comment holds the order",
    hook = "orders.accept", input = fx.order { otherComment = "pls #hold" },
    expect = { action = "hold", reason = "MANUAL_HOLD" } },

  { name = "the reference address is fine",
    hook = "orders.check_address", input = fx.order(), expect = {} },

  { name = "a Swedish postcode with four digits is refused",
    hook = "orders.check_address",
    input = fx.order { shippingAddress = { zipCode = "1112" } },
    expect = { { field = "postalCode", code = "FORMAT" } } },

  { name = "no phone and no e-mail is refused",
    hook = "orders.check_address",
    input = fx.order { shippingAddress = { phoneNumber = cg.null,
                                            email = cg.null } },
    expect = { { field = "phone", code = "REQUIRED" } } },

  { name = "an address line over 35 characters is refused",
    hook = "orders.check_address",
    input = fx.order { shippingAddress = {
      address1 = "Kungsträdgårdsgatan 123, lägenhet 1402 B" } },
    expect = { { field = "address1", code = "TOO_LONG" } } },

  { name = "a cancel in Centra after export is cancelled at the warehouse",
    hook = "orders.on_change",
    args = { fx.order(), { orderRef = "1", whole = true, lines = {},
                           hold = false, address = false } },
    expect = { action = "cancel" } },

  { name = "a line cancelled in Centra is cancelled at the warehouse",
    hook = "orders.on_change",
    args = { fx.order(), { orderRef = "1", whole = false,
                           lines = { { lineRef = "7", sku = "S",
                                       quantity = 1 } },
                           hold = false, address = false } },
    expect = { action = "cancel" } },

  { name = "a hold or a new address re-sends the order",
    hook = "orders.on_change",
    args = { fx.order(), { orderRef = "1", whole = false, lines = {},
                           hold = false, address = true } },
    expect = { action = "resend" } },
}
