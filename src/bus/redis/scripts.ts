// The Lua scripts of the Redis bus, each one step Redis runs atomically: publish (XADD a batch, then
// trim), claim (XAUTOCLAIM with each message's delivery count), release (hand read-ahead messages back)
// and ack (XACK many callers' ids, one answer each). ioredis sends EVALSHA and falls back to EVAL.

import type { ChainableCommander, Redis } from 'ioredis';
import { ID_FUNCTIONS, TRIM_FUNCTION } from './trim-lua.js';

/**
 * KEYS the streams; ARGV maxLen, maxAgeMs (0: none), slack, how many messages go to each key (decimal,
 * space-separated, in KEYS order), then every message's JSON text joined by "\n" (JSON.stringify never
 * writes one: it escapes control characters), the first key's first. XADDs each key's messages in order,
 * trims each key once, and returns the ids joined by " " in the same order. One argument and one string
 * reply for a whole batch, over any number of streams: encoding and decoding per message, and a command
 * per stream, were most of the client's cost of routing events.
 */
const PUBLISH = `${TRIM_FUNCTION}
local maxLen, maxAgeMs, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local texts = string.gmatch(ARGV[5], '[^\\n]+')
local ids = {}
local k = 0
for count in string.gmatch(ARGV[4], '%d+') do
  k = k + 1
  local key = KEYS[k]
  for _ = 1, tonumber(count) do ids[#ids + 1] = redis.call('XADD', key, '*', 'd', texts()) end
  trim(key, maxLen, maxAgeMs, slack)
end
return table.concat(ids, ' ')
`;

/**
 * KEYS[1] stream; ARGV group, start ('0', '$' or an id). Creates the group, and the stream if need be;
 * returns 1, or 0 when the group exists (its position is kept). A start beyond the newest entry means
 * "from the end", as in the memory bus: the group must not wait for ids the stream has not reached.
 */
const GROUP = `${ID_FUNCTIONS}
local from = ARGV[2]
if from ~= '$' and from ~= '0' then
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
  if last == nil or idlt(last[1], from) then from = '$' end
end
local r = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], from, 'MKSTREAM')
if type(r) == 'table' and r.err then
  if string.sub(r.err, 1, 9) == 'BUSYGROUP' then return 0 end
  return r
end
return 1
`;

/**
 * KEYS[1] stream; ARGV group, consumer, min idle ms, cursor, count. Returns {next cursor, {{id, json,
 * delivery count}...}, {ids deleted from the stream while pending}}. XAUTOCLAIM raises the count; XPENDING
 * reads it back in the same step.
 */
const CLAIM = `
local key, group = KEYS[1], ARGV[1]
local r = redis.call('XAUTOCLAIM', key, group, ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local out, gone = {}, r[3] or {}
for _, e in ipairs(r[2]) do
  if e and e[2] then
    local json = false
    for i = 1, #e[2], 2 do if e[2][i] == 'd' then json = e[2][i + 1] end end
    local p = redis.call('XPENDING', key, group, e[1], e[1], 1)
    out[#out + 1] = {e[1], json, p[1][4]}
  elseif e then
    -- Redis 6.2 returns a deleted entry as {id, nil} and keeps it pending: settle it.
    redis.call('XACK', key, group, e[1])
    gone[#gone + 1] = e[1]
  end
end
return {r[1], out, gone}
`;

/**
 * KEYS[1] stream; ARGV group, consumer, idle ms, then pairs (id, delivery count to restore). Makes each
 * message this consumer still owns claimable at once, with the count it had before this consumer read it,
 * as if never delivered. A message another consumer claimed meanwhile is left alone.
 */
const RELEASE = `
local key, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local n = 0
for i = 4, #ARGV, 2 do
  if #redis.call('XPENDING', key, group, ARGV[i], ARGV[i], 1, consumer) > 0 then
    redis.call('XCLAIM', key, group, consumer, 0, ARGV[i], 'IDLE', ARGV[3], 'RETRYCOUNT', ARGV[i + 1], 'JUSTID')
    n = n + 1
  end
end
return n
`;

/** KEYS[1] stream; ARGV group, then ids. Returns 1 or 0 per id (acked now, or not pending). */
const ACK = `
local out = {}
for i = 2, #ARGV do out[i - 1] = redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) end
return out
`;

export type ClaimReply = [
  cursor: string,
  claimed: [id: string, json: string | null, count: number][],
  gone: string[],
];

/** The scripts as ioredis defines them on a connection (and on its pipelines). */
export interface ScriptCommands {
  batonGroup(key: string, group: string, from: string): Promise<number>;
  /** PUBLISH: the number of keys, the keys, then maxLen, maxAgeMs, slack, counts, joined texts. */
  batonPublish(keys: number, ...args: (string | number)[]): Promise<string>;
  batonClaim(
    key: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    cursor: string,
    count: number,
  ): Promise<ClaimReply>;
  batonRelease(
    key: string,
    group: string,
    consumer: string,
    idleMs: number,
    ...idCount: string[]
  ): Promise<number>;
  batonAck(key: string, group: string, ...ids: string[]): Promise<number[]>;
}

export type ScriptedRedis = Redis & ScriptCommands;

export interface ScriptPipeline extends ChainableCommander {
  batonPublish(keys: number, ...args: (string | number)[]): ScriptPipeline;
}

/** Adds the scripts to a connection (before it connects, so pipelines made from it have them too). */
export function defineScripts(conn: Redis): ScriptedRedis {
  conn.defineCommand('batonGroup', { numberOfKeys: 1, lua: GROUP });
  // No numberOfKeys: each call says how many streams it writes.
  conn.defineCommand('batonPublish', { lua: PUBLISH });
  conn.defineCommand('batonClaim', { numberOfKeys: 1, lua: CLAIM });
  conn.defineCommand('batonRelease', { numberOfKeys: 1, lua: RELEASE });
  conn.defineCommand('batonAck', { numberOfKeys: 1, lua: ACK });
  return conn as ScriptedRedis;
}
