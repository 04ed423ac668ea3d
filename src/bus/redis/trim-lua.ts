// The trimming rule in Lua, run by the publish script in the same atomic step as the XADDs (BullMQ-style):
// drop the oldest entries beyond the length or age bound, but never one a consumer group still needs.
//
// What a group needs: everything from its oldest pending id (delivered, not acked) on, or, with nothing
// pending, everything after its last-delivered id. The lowest such id over all groups is the floor;
// entries below it are trimmed by XTRIM MINID, which Redis 7.0 cannot do safely on its own (XADD's
// MAXLEN ignores pending entries; ACKED-aware trimming only came in Redis 8.2).

/** Ids as Redis writes them: `<ms>-<seq>`, decimal without leading zeros, each part up to 2^64-1. */
export const ID_FUNCTIONS = `
local function parts(id) return string.match(id, '^(%d+)-(%d+)$') end
local function declt(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end
local function idlt(a, b)
  local am, as = parts(a)
  local bm, bs = parts(b)
  if am ~= bm then return declt(am, bm) end
  return declt(as, bs)
end
local function incr(d)
  local i = #d
  while i > 0 and string.byte(d, i) == 57 do i = i - 1 end
  if i == 0 then return '1' .. string.rep('0', #d) end
  return string.sub(d, 1, i - 1) .. string.char(string.byte(d, i) + 1) .. string.rep('0', #d - i)
end
local function succ(id)
  local ms, seq = parts(id)
  if seq == '18446744073709551615' then return incr(ms) .. '-0' end
  return ms .. '-' .. incr(seq)
end
`;

/**
 * Defines `trim(key, maxLen, maxAgeMs, slack)`: returns how many entries it removed. Does nothing until
 * the stream holds more than maxLen + slack entries or its oldest is older than maxAgeMs (0: no age
 * bound), so most publishes pay one XLEN; then trims exactly to the bounds, as far as the floor allows.
 */
export const TRIM_FUNCTION = `${ID_FUNCTIONS}
local function floor_of(key)
  local floor = nil
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
    local f = {}
    for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
    local need
    if f['pending'] > 0 then
      need = redis.call('XPENDING', key, f['name'])[2]
    else
      need = succ(f['last-delivered-id'])
    end
    if floor == nil or idlt(need, floor) then floor = need end
  end
  return floor
end

local function trim(key, maxLen, maxAgeMs, slack)
  local len = redis.call('XLEN', key)
  local ageId = nil
  if maxAgeMs > 0 and len > 0 then
    local t = redis.call('TIME')
    local bornAfter = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - maxAgeMs
    local first = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)[1][1]
    if tonumber(string.match(first, '^(%d+)')) < bornAfter then
      ageId = string.format('%.0f-0', bornAfter)
    end
  end
  if ageId == nil and len <= maxLen + slack then return 0 end
  local floor = floor_of(key)
  local removed = 0
  if ageId ~= nil then
    if floor ~= nil and idlt(floor, ageId) then ageId = floor end
    removed = redis.call('XTRIM', key, 'MINID', ageId)
    len = len - removed
  end
  if len > maxLen then
    local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)[1][1]
    if floor == nil or idlt(last, floor) then
      -- No group needs any retained entry: plain MAXLEN, no need to read what goes.
      removed = removed + redis.call('XTRIM', key, 'MAXLEN', maxLen)
    else
      local below = redis.call('XRANGE', key, '-', '(' .. floor, 'COUNT', len - maxLen)
      if #below > 0 then
        removed = removed + redis.call('XTRIM', key, 'MINID', succ(below[#below][1]))
      end
    end
  end
  return removed
end
`;

/** Entries a stream may hold beyond maxLen before a trim runs: a tenth, so trims come in batches. */
export const trimSlack = (maxLen: number): number => Math.floor(maxLen / 10);
