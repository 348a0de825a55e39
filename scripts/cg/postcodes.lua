-- cg.postcodes: postal code formats per country (ISO 3166-1 alpha-2) for
-- every EU member state plus GB, NO, CH and US.
--
-- Lua patterns have no alternation, so a country lists every accepted
-- shape. Codes are checked after trimming, upper-casing and dropping a
-- country prefix such as "DK-" or "L-". A pack can add or replace formats:
--
--   local postcodes = require "cg.postcodes"
--   postcodes.formats.AX = { "^22%d%d%d$" }   -- in the pack's orders.lua
local M = {}

M.formats = {
  AT = { "^%d%d%d%d$" },
  BE = { "^%d%d%d%d$" },
  BG = { "^%d%d%d%d$" },
  HR = { "^%d%d%d%d%d$" },
  CY = { "^%d%d%d%d$" },
  CZ = { "^%d%d%d ?%d%d$" },
  DK = { "^%d%d%d%d$" },
  EE = { "^%d%d%d%d%d$" },
  FI = { "^%d%d%d%d%d$" },
  FR = { "^%d%d%d%d%d$" },
  DE = { "^%d%d%d%d%d$" },
  GR = { "^%d%d%d ?%d%d$" },
  HU = { "^%d%d%d%d$" },
  -- Eircode: routing key (letter, digit, digit or W) + 4-character id.
  IE = { "^%u%d[%dW] ?[%u%d][%u%d][%u%d][%u%d]$" },
  IT = { "^%d%d%d%d%d$" },
  LV = { "^%d%d%d%d$" },
  LT = { "^%d%d%d%d%d$" },
  LU = { "^%d%d%d%d$" },
  MT = { "^%u%u%u ?%d%d%d%d$" },
  NL = { "^[1-9]%d%d%d ?%u%u$" },
  PL = { "^%d%d%-%d%d%d$" },
  PT = { "^%d%d%d%d%-%d%d%d$" },
  RO = { "^%d%d%d%d%d%d$" },
  SK = { "^%d%d%d ?%d%d$" },
  SI = { "^%d%d%d%d$" },
  ES = { "^[0-5]%d%d%d%d$" },
  SE = { "^%d%d%d ?%d%d$" },
  -- UK: A9 9AA, A99 9AA, A9A 9AA, AA9 9AA, AA99 9AA, AA9A 9AA, GIR 0AA.
  GB = { "^%u%u?%d[%u%d]? ?%d%u%u$", "^GIR ?0AA$" },
  NO = { "^%d%d%d%d$" },
  CH = { "^%d%d%d%d$" },
  US = { "^%d%d%d%d%d$", "^%d%d%d%d%d%-%d%d%d%d$" },
}

-- An example per country for messages.
M.examples = {
  AT = "1010", BE = "1000", BG = "1000", HR = "10000", CY = "1010",
  CZ = "110 00", DK = "1050", EE = "10111", FI = "00100", FR = "75001",
  DE = "10115", GR = "105 57", HU = "1011", IE = "D02 X285", IT = "00118",
  LV = "1050", LT = "01100", LU = "1009", MT = "VLT 1117", NL = "1012 AB",
  PL = "00-950", PT = "1100-148", RO = "010011", SK = "811 01", SI = "1000",
  ES = "28001", SE = "111 22", GB = "SW1A 1AA", NO = "0150", CH = "8001",
  US = "10001",
}

-- Countries where a missing postcode is acceptable (many Irish addresses
-- are still delivered without an Eircode).
M.optional = { IE = true }

-- Spain: the first two digits are a province, 01 to 52.
local function spain_ok(code)
  local p = tonumber(code:sub(1, 2))
  return p ~= nil and p >= 1 and p <= 52
end

-- The code as the formats expect it.
function M.normalise(code)
  local util = require "cg.util"
  code = util.str(code)
  if code == nil then return nil end
  code = code:upper():gsub("^%u%u?%-", "")
  return code
end

-- true, or false and a message. country is an ISO alpha-2 code.
function M.check(country, code)
  local fmts = M.formats[country]
  local norm = M.normalise(code)
  if norm == nil then
    if fmts == nil or M.optional[country] then return true end
    return false, "postcode is missing"
  end
  if fmts == nil then return true end -- unknown country: no format rule
  for _, pat in ipairs(fmts) do
    if norm:match(pat) and (country ~= "ES" or spain_ok(norm)) then
      return true
    end
  end
  return false, string.format("postcode '%s' is not a valid %s postcode "
    .. "(expected e.g. %s)", norm, country, M.examples[country] or "?")
end

return M
