-- Returns: the advice sent to the warehouse (returns.advice) and what a
-- warehouse receipt settles in Centra (returns.decide, which asks
-- returns.disposition per line). Calling the hooks here also runs the
-- engine's checks of their results.

-- An advice the engine built for a return of two lines.
local function advice(comment)
  return {
    returnId = 5001, rmaRef = "5001", orderRef = "1001",
    comment = comment or "too small",
    lines = {
      { lineRef = "43243", sku = "M411740BLK38", quantity = 1 },
      { lineRef = "43244", sku = "M411740BLK40", quantity = 2 },
    },
  }
end

-- The warehouse's receipt line; changes merge in.
local function line(ref, sku, qty, changes)
  local l = { lineRef = ref, sku = sku, quantityExpected = qty,
              quantityReceived = qty, condition = "SELLABLE",
              disposition = "RESTOCK" }
  for k, v in pairs(changes or {}) do l[k] = v end
  return l
end

-- A receipt: both lines as advised, unless changed; mismatches as the
-- engine would compute them.
local function receipt(first, second, mismatches)
  return {
    rmaRef = "5001", originalOrderRef = "1001", receiptId = "GXO-RCV-1",
    requiresAction = false, unexpectedItems = cg.array({}),
    lines = { line("43243", "M411740BLK38", 1, first),
              line("43244", "M411740BLK40", 2, second) },
    mismatches = mismatches or cg.array({}),
  }
end

local function sent_advice()
  return { rmaRef = "5001", originalOrderRef = "1001",
           lines = { { lineRef = "43243", sku = "M411740BLK38",
                       quantity = 1 } } }
end

return {
  { name = "the advice takes its reason from the Centra comment",
    hook = "returns.advice",
    args = { sent_advice(), { id = 5001, comment = "Too small in the chest" } },
    expect = { rmaRef = "5001",
               lines = { { lineRef = "43243", reasonCode = "PF",
                           reasonText = "Too small in the chest" } } } },
  { name = "a comment without a keyword sends no reason code",
    hook = "returns.advice",
    args = { sent_advice(), { id = 5001, comment = "did not like the colour" } },
    expect = { lines = { { reasonText = "did not like the colour" } } } },
  { name = "a parcel hurt in transit is DT",
    hook = "returns.advice",
    args = { sent_advice(), { id = 5001, comment = "crushed in transit" } },
    expect = { lines = { { reasonCode = "DT" } } } },
  { name = "a return without a comment sends the advice as built",
    hook = "returns.advice",
    args = { sent_advice(), { id = 5001, comment = cg.null } },
    expect = { rmaRef = "5001", originalOrderRef = "1001",
               lines = { { lineRef = "43243", sku = "M411740BLK38",
                           quantity = 1 } } } },

  { name = "sellable lines refund in full and go back to stock",
    hook = "returns.decide", args = { receipt(), advice() },
    expect = { action = "settle", refund = "full", notify = true,
               accept_mismatch = false,
               lines = { { lineRef = "43243", refund = "full", restock = true },
                         { lineRef = "43244", refund = "full",
                           restock = true } } } },
  { name = "SELLABLE_B refunds too",
    hook = "returns.decide",
    args = { receipt({ condition = "SELLABLE_B" }), advice() },
    expect = { action = "settle", refund = "full" } },
  { name = "defective as advised (DM) refunds without restock",
    hook = "returns.decide",
    args = { receipt({ condition = "DEFECTIVE" }, { condition = "DEFECTIVE" }),
             advice("the seam is defective") },
    expect = { action = "settle", refund = "full",
               lines = { { refund = "full", restock = false },
                         { refund = "full", restock = false } } } },
  { name = "defective when the customer said it did not fit: held",
    hook = "returns.decide",
    args = { receipt({ condition = "DEFECTIVE" }), advice("wrong fit") },
    expect = { action = "hold",
               message = "line 43243: condition other than advised: "
                 .. "DEFECTIVE (advised reason PF)" } },
  { name = "damaged as advised (DT) refunds",
    hook = "returns.decide",
    args = { receipt({ condition = "DAMAGED" }, { condition = "DAMAGED" }),
             advice("arrived damaged in transit") },
    expect = { action = "settle", refund = "full" } },
  { name = "damaged without a damage reason: held",
    hook = "returns.decide",
    args = { receipt({ condition = "DAMAGED" }), advice("too small") },
    expect = { action = "hold" } },
  { name = "incomplete: held",
    hook = "returns.decide",
    args = { receipt({ condition = "INCOMPLETE" }), advice() },
    expect = { action = "hold" } },
  { name = "one line refunds and one is held: the whole return is held",
    hook = "returns.decide",
    args = { receipt(nil, { condition = "INCOMPLETE" }), advice() },
    expect = { action = "hold",
               lines = { { lineRef = "43243", refund = "full" },
                         { lineRef = "43244", refund = "none" } } } },
  { name = "fewer units than advised: held, whatever the condition",
    hook = "returns.decide",
    args = { receipt(nil, { quantityReceived = 1 },
                     { { code = "fewer", lineRef = "43244", expected = 2,
                         received = 1, detail = "1 of 2" } }), advice() },
    expect = { action = "hold",
               message = "the receipt differs from the advice" } },
  { name = "nothing received on a line: held",
    hook = "returns.decide",
    args = { receipt({ quantityReceived = 0, condition = "NOT_RECEIVED" }, nil,
                     { { code = "fewer", lineRef = "43243" },
                       { code = "condition", lineRef = "43243" } }), advice() },
    expect = { action = "hold" } },
  { name = "more units than advised: held",
    hook = "returns.decide",
    args = { receipt(nil, { quantityReceived = 3 },
                     { { code = "more", lineRef = "43244" } }), advice() },
    expect = { action = "hold" } },
  { name = "an advised line missing from the receipt: held",
    hook = "returns.decide",
    args = { (function()
               local r = receipt(nil, nil,
                                 { { code = "missing-line", lineRef = "43244" } })
               r.lines = { r.lines[1] }
               return r
             end)(), advice() },
    expect = { action = "hold" } },
  { name = "an unexpected line: held",
    hook = "returns.decide",
    args = { (function()
               local r = receipt(nil, nil,
                                 { { code = "unexpected-line", lineRef = "9" } })
               r.lines[3] = line("9", "X1", 1)
               return r
             end)(), advice() },
    expect = { action = "hold" } },
  { name = "a different SKU: held",
    hook = "returns.decide",
    args = { receipt({ sku = "OTHER" }, nil,
                     { { code = "different-sku", lineRef = "43243" } }),
             advice() },
    expect = { action = "hold" } },
  { name = "an unexpected item: held",
    hook = "returns.decide",
    args = { receipt(nil, nil, { { code = "unexpected-item", sku = "X1" } }),
             advice() },
    expect = { action = "hold" } },
  { name = "requiresAction: held",
    hook = "returns.decide",
    args = { receipt(nil, nil, { { code = "requires-action" } }), advice() },
    expect = { action = "hold" } },
  { name = "a line received short refunds by hand, not in full "
      .. "(the mismatch accepted, as refund_on_mismatch does)",
    hook = "returns.decide",
    args = { receipt(nil, { quantityReceived = 1 }), advice() },
    expect = { action = "settle", refund = "manual",
               lines = { { lineRef = "43243", refund = "full" },
                         { lineRef = "43244", refund = "full",
                           note = "received 1 of 2: refund the units "
                             .. "received by hand" } } } },
  { name = "two Centra lines on one order line, received as one: full",
    hook = "returns.decide",
    args = { (function()
               local r = receipt()
               r.lines[1] = line("43243", "M411740BLK38", 2)
               return r
             end)(),
             (function()
               local a = advice()
               a.lines[3] = { lineRef = "43243", sku = "M411740BLK38",
                              quantity = 1 }
               return a
             end)() },
    expect = { action = "settle", refund = "full",
               lines = { { lineRef = "43243", refund = "full" },
                         { lineRef = "43244", refund = "full" } } } },
  { name = "a receipt line split in two: both judged",
    hook = "returns.decide",
    args = { (function()
               local r = receipt(nil, { quantityReceived = 1 })
               r.lines[3] = line("43244", "M411740BLK40", 1,
                                 { condition = "INCOMPLETE" })
               return r
             end)(), advice() },
    expect = { action = "hold",
               lines = { { lineRef = "43243", refund = "full" },
                         { lineRef = "43244", refund = "none" } } } },
  { name = "an unidentified condition: held",
    hook = "returns.decide",
    args = { receipt({ condition = "UNIDENTIFIED" }, nil,
                     { { code = "condition", lineRef = "43243" } }), advice() },
    expect = { action = "hold" } },
}
