-- cg.returns: customer returns (docs/internals/returns.md, docs/rule-packs.md
-- "Returns").
--
--   advice(advice, ret) -> the warehouse return advice
--       advice is the advice the engine built {rmaRef, originalOrderRef,
--       lines = {{lineRef, sku, quantity}}, ...}, ret the Centra return
--       {id, comment, lines, ...}. Default: each line's reasonCode from
--       the Centra comment through reason_keywords, its reasonText the
--       comment.
--   decide(receipt, advice) -> the plan {action = "settle"|"hold",
--       refund = "full"|"none"|"manual", accept_mismatch, message, notify,
--       lines = {{lineRef, refund = "full"|"none", restock, note}}}
--       receipt is the warehouse's return.received data with the engine's
--       `mismatches`; advice {returnId, rmaRef, orderRef, comment, lines}.
--       Default: disposition() per receipt line of each advised lineRef
--       (its advice lines summed), combined: every lineRef refunds with
--       all its advised units received -> full, none -> none, else (some
--       refund, or one received short) manual; any line hold, or any
--       mismatch (unless refund_on_mismatch) -> hold.
--   disposition(line, receipt) -> {action = "refund"|"none"|"hold",
--       restock = true|false, note = "text"}
--       line is the receipt line (lineRef, sku, quantityReceived,
--       condition, disposition) plus advisedReason (the reasonCode the
--       advice carried). The API 1 result {action = "restock"|"refund"|
--       "quarantine"} is still read: restock = refund and restock,
--       refund = refund without restock, quarantine = no refund.
--
-- Data a pack sets in its own returns.lua (read through rules.returns;
-- keys left out keep these defaults):
--   reason_keywords    {[word in the Centra comment] = reasonCode}; the
--                      longest word found wins
--   refund_conditions  conditions that refund and restock
--   defect_reasons     advised reasons under which DEFECTIVE refunds
--   damage_reasons     advised reasons under which DAMAGED refunds
--   refund_on_mismatch true: a receipt that differs from the advice is
--                      still settled as the lines say (accept_mismatch)
local util = require "cg.util"

local M = {}

M.reason_keywords = {
  fit = "PF", size = "PF", small = "PF", large = "PF",
  defect = "DM", defective = "DM", faulty = "DM", broken = "DR",
  damaged = "DA", damage = "DA", transit = "DT",
}
M.refund_conditions = { SELLABLE = true, SELLABLE_B = true }
M.defect_reasons = { DM = true, DR = true }
M.damage_reasons = { DA = true, DT = true }
M.refund_on_mismatch = false

local REASON_TEXT_MAX = 200

-- The reason code the pack's keywords find in a comment, or nil.
function M.reason_code(comment)
  local text = util.str(comment)
  if text == nil then return nil end
  text = text:lower()
  local words = {}
  for word in pairs(rules.returns.reason_keywords or {}) do
    words[#words + 1] = word
  end
  table.sort(words, function(a, b)
    if #a ~= #b then return #a > #b end
    return a < b
  end)
  for _, word in ipairs(words) do
    if text:find(word:lower(), 1, true) then
      return rules.returns.reason_keywords[word]
    end
  end
  return nil
end

-- The reason goes on every line (the warehouse reads it per line); a
-- line that already has one keeps it.
function M.advice(advice, ret)
  local comment = util.str(util.get(ret, "comment"))
  local code = M.reason_code(comment)
  for _, line in ipairs(util.get(advice, "lines") or {}) do
    if code and util.str(line.reasonCode) == nil then line.reasonCode = code end
    if comment and util.str(line.reasonText) == nil then
      line.reasonText = util.truncate(comment, REASON_TEXT_MAX)
    end
  end
  return advice
end

-- The default per line: refund_conditions refund and restock; DEFECTIVE
-- and DAMAGED refund (no restock) when the advised reason said so; else
-- held for customer service.
function M.disposition(line, receipt)
  local data = rules.returns
  local condition = util.str(line.condition) or "?"
  local reason = util.str(line.advisedReason)
  if (line.quantityReceived or 0) == 0 then
    return { action = "hold", note = "nothing received" }
  end
  if (data.refund_conditions or {})[condition] then
    return { action = "refund", restock = true }
  end
  if (condition == "DEFECTIVE" and (data.defect_reasons or {})[reason])
    or (condition == "DAMAGED" and (data.damage_reasons or {})[reason]) then
    return { action = "refund", restock = false }
  end
  return { action = "hold",
           note = "condition other than advised: " .. condition
             .. " (advised reason " .. (reason or "none") .. ")" }
end

-- An API 1 or API 2 disposition as {refund, restock, hold, note}.
local function read_disposition(d)
  local action = util.get(d, "action")
  local note = util.str(util.get(d, "note"))
  local restock = util.get(d, "restock")
  if action == "restock" then
    return { refund = true, restock = true, note = note }
  elseif action == "refund" then
    return { refund = true, restock = restock == true, note = note }
  elseif action == "none" or action == "quarantine" then
    return { refund = false, restock = restock == true, note = note }
  elseif action == "hold" then
    return { refund = false, restock = false, hold = true, note = note }
  end
  error("returns.disposition: unknown action " .. tostring(action))
end

-- The advised lineRefs in order, with their units summed (several Centra
-- return lines may name one order line).
local function advised_refs(advice)
  local refs, units = {}, {}
  for _, a in ipairs(util.get(advice, "lines") or {}) do
    if units[a.lineRef] == nil then
      refs[#refs + 1] = a.lineRef
      units[a.lineRef] = 0
    end
    units[a.lineRef] = units[a.lineRef] + (tonumber(a.quantity) or 0)
  end
  return refs, units
end

-- The receipt lines of a lineRef (the warehouse may split one).
local function receipt_lines(receipt, line_ref)
  local found = {}
  for _, l in ipairs(util.get(receipt, "lines") or {}) do
    if l.lineRef == line_ref then found[#found + 1] = l end
  end
  return found
end

-- One lineRef: disposition() per receipt line, combined (refund when
-- every one refunds, held when any is), and the units received.
local function judge_ref(receipt, line_ref, reason)
  local got = receipt_lines(receipt, line_ref)
  if #got == 0 then
    return { refund = false, restock = false, hold = true,
             note = "not in the receipt" }, 0
  end
  local d = { refund = true, restock = false }
  local units = 0
  for _, l in ipairs(got) do
    local line = util.copy(l)
    line.advisedReason = util.str(line.advisedReason) or reason
    local one = read_disposition(rules.returns.disposition(line, receipt))
    d.refund = d.refund and one.refund
    d.restock = d.restock or one.restock
    if one.hold and not d.hold then d.hold, d.note = true, one.note end
    d.note = d.note or one.note
    units = units + (tonumber(l.quantityReceived) or 0)
  end
  return d, units
end

-- Every advised lineRef judged: the plan's lines, how many refund, how
-- many of those were received short (not a full refund: by hand), and
-- how many hold.
local function judge(receipt, advice)
  local reason = util.str(util.get(advice, "reasonCode"))
    or M.reason_code(util.get(advice, "comment"))
  local refs, advised = advised_refs(advice)
  local lines, refunds, short, holds, notes = {}, 0, 0, 0, {}
  for _, ref in ipairs(refs) do
    local d, units = judge_ref(receipt, ref, reason)
    if d.refund then
      refunds = refunds + 1
      if units < advised[ref] then
        short = short + 1
        d.note = "received " .. units .. " of " .. advised[ref]
          .. ": refund the units received by hand"
      end
    end
    if d.hold then
      holds = holds + 1
      notes[#notes + 1] = "line " .. ref .. ": " .. (d.note or "held")
    end
    lines[#lines + 1] = { lineRef = ref,
                          refund = d.refund and "full" or "none",
                          restock = d.restock, note = d.note }
  end
  return lines, refunds, short, holds, notes
end

function M.decide(receipt, advice)
  local mismatches = util.get(receipt, "mismatches") or {}
  local lines, refunds, short, holds, notes = judge(receipt, advice)
  local accept = rules.returns.refund_on_mismatch == true
  if holds > 0 then
    return { action = "hold", message = table.concat(notes, "; "),
             lines = lines }
  end
  if #mismatches > 0 and not accept then
    return { action = "hold", message = "the receipt differs from the advice",
             lines = lines }
  end
  local refund = "manual"
  if refunds == #lines and short == 0 then refund = "full" end
  if refunds == 0 then refund = "none" end
  return { action = "settle", refund = refund, notify = true,
           accept_mismatch = #mismatches > 0, lines = lines }
end

return M
