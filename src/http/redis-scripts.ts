// The Lua side of the Redis-mode limiter: an exact continuous token bucket per key (and per learned
// route), a cross-process 429 pause, and the in-flight set that caps the bucket and that corrections
// subtract. Every script reads the clock from Redis (TIME), so workers on hosts with skewed clocks
// still share one bucket.
//
// Keys of one API key share the hash tag {<fingerprint>} (one Redis Cluster slot):
//   <id>:bucket        hash tokens, ts       the key's bucket (tokens may be negative: a debt)
//   <id>:gate:<route>  hash tokens, ts       a learned endpoint bucket (route = sha256 prefix)
//   <id>:gates         hash route → "burst ratePerSecond"   learned endpoint limits
//   <id>:pause         string with PX        set by a 429: no one sends until it expires
//   <id>:inflight      zset job → expiry     requests sent and not answered yet
// where <id> = incident-io-v2-{<fingerprint>}. No key or value holds the API key.

/** Shared prelude: Redis time in ms, a lazily refilled bucket, and its write. */
const PRELUDE = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
-- Tokens of a bucket at now: refilled continuously at rate per ms up to cap. A missing bucket
-- starts at init; the second result says it was missing.
local function level(key, cap, rate, now, init)
  local v = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, ts = tonumber(v[1]), tonumber(v[2])
  if tokens == nil or ts == nil then return math.min(cap, init), true end
  if now > ts then tokens = tokens + (now - ts) * rate end
  if tokens > cap then tokens = cap end
  return tokens, false
end
local function save(key, tokens, now, ttl)
  redis.call('HSET', key, 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.3f', now))
  redis.call('PEXPIRE', key, math.ceil(ttl))
end
-- The key's bucket is capped at its burst less the requests in flight (every process's, expired
-- entries dropped first): the server takes their tokens when they arrive (token-bucket.ts).
local function busy(inflight, now)
  redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
  return redis.call('ZCARD', inflight)
end
local function gate_shape(def)
  local b, r = string.match(def, '^(%S+) (%S+)$')
  local burst, per_second = tonumber(b), tonumber(r)
  if burst == nil or per_second == nil or burst < 1 or per_second <= 0 then return nil end
  return burst, per_second / 1000
end
local GATES_TTL = 3600000
`;

/**
 * Takes up to `want` tokens from the key's bucket and, when the route has a learned limit, from its
 * gate too, all or nothing per token, unless a 429 pause is on.
 * KEYS: bucket, pause, gates, gate, inflight.
 * ARGV: burst, rate/ms, recent (1: this process used the key lately, so a missing bucket was lost, not
 * idle, and starts empty), debt (tokens spent while Redis was away), route ('' none), local gate
 * definition ('' none; restores one lost with the keys), want, job prefix, job expiration ms, ttl ms.
 * Returns {granted, waitMs, binding (0 none, 1 pause, 2 key, 3 gate), key tokens left, gate definition}.
 */
const ACQUIRE = `${PRELUDE}
local burst, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local recent = ARGV[3] == '1'
local debt = tonumber(ARGV[4])
local route, local_def = ARGV[5], ARGV[6]
local want = tonumber(ARGV[7])
local prefix = ARGV[8]
local expiration, ttl = tonumber(ARGV[9]), tonumber(ARGV[10])
local now = now_ms()

local init = burst
if recent then init = 0 end
local cap = math.max(0, burst - busy(KEYS[5], now))
local tokens, missing = level(KEYS[1], cap, rate, now, init)
if debt > 0 or missing then
  tokens = math.max(tokens - debt, -burst)
  save(KEYS[1], tokens, now, ttl)
end

local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return {0, pause, 1, math.floor(tokens), ''} end

local def, gtokens, gburst, grate, gttl = '', nil, nil, nil, ttl
if route ~= '' then
  def = redis.call('HGET', KEYS[3], route)
  if not def and local_def ~= '' then
    def = local_def
    redis.call('HSET', KEYS[3], route, def)
    redis.call('PEXPIRE', KEYS[3], GATES_TTL)
  end
  if def then
    gburst, grate = gate_shape(def)
    if gburst then
      gttl = math.max(ttl, gburst / grate + 60000)
      local ginit = gburst
      if recent then ginit = 0 end
      local gmissing
      gtokens, gmissing = level(KEYS[4], gburst, grate, now, ginit)
      if gmissing then save(KEYS[4], gtokens, now, gttl) end
    end
  else
    def = ''
  end
end

local n = math.min(want, math.floor(tokens))
if gtokens then n = math.min(n, math.floor(gtokens)) end
if n >= 1 then
  save(KEYS[1], tokens - n, now, ttl)
  if gtokens then
    save(KEYS[4], gtokens - n, now, gttl)
    redis.call('PEXPIRE', KEYS[3], GATES_TTL)
  end
  for i = 1, n do redis.call('ZADD', KEYS[5], now + expiration, prefix .. ':' .. i) end
  redis.call('PEXPIRE', KEYS[5], math.ceil(expiration + ttl))
  return {n, 0, 0, math.floor(tokens - n), def}
end
local wait, binding = 0, 2
if tokens < 1 then wait = (1 - tokens) / rate end
if gtokens and gtokens < 1 then
  local gwait = (1 - gtokens) / grate
  if gwait > wait then wait, binding = gwait, 3 end
end
return {0, math.max(1, math.ceil(wait)), binding, math.floor(tokens), def}
`;

/**
 * Gives tokens back for jobs that were granted and then sent nothing (a pause began meanwhile), never
 * above the burst, and never into a bucket that has vanished (it is re-created empty).
 * KEYS: bucket, gate, inflight. ARGV: burst, rate/ms, ttl ms, gate definition ('' none), job ids...
 */
const REFUND = `${PRELUDE}
local burst, rate, ttl, def = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local n = #ARGV - 4
local now = now_ms()
local others = math.max(0, busy(KEYS[3], now) - n)
local tokens, missing = level(KEYS[1], math.max(0, burst - others - n), rate, now, 0)
if not missing then save(KEYS[1], math.min(burst - others, tokens + n), now, ttl) end
if def ~= '' then
  local gburst, grate = gate_shape(def)
  if gburst then
    local gtokens, gmissing = level(KEYS[2], gburst, grate, now, 0)
    if not gmissing then save(KEYS[2], math.min(gburst, gtokens + n), now, math.max(ttl, gburst / grate + 60000)) end
  end
end
for i = 5, #ARGV do redis.call('ZREM', KEYS[3], ARGV[i]) end
return n
`;

/**
 * Requests answered: the key's bucket is brought up to now while they still count as in flight, then
 * they leave the in-flight set (so the cap rises from now on, not back to when the bucket was saved).
 * KEYS: bucket, inflight. ARGV: burst, rate/ms, ttl ms, job ids...
 */
const RELEASE = `${PRELUDE}
local burst, rate, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local tokens, missing = level(KEYS[1], math.max(0, burst - busy(KEYS[2], now)), rate, now, 0)
if not missing then save(KEYS[1], tokens, now, ttl) end
local n = 0
for i = 4, #ARGV do n = n + redis.call('ZREM', KEYS[2], ARGV[i]) end
return n
`;

/**
 * A 429: every process stops until the pause expires, and the bucket is empty (as the server's is).
 * KEYS: bucket, pause. ARGV: pause ms, burst, rate/ms, ttl ms. Returns the pause's remaining ms.
 */
const PAUSE = `${PRELUDE}
local ms, burst, rate, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if redis.call('PTTL', KEYS[2]) < ms then redis.call('SET', KEYS[2], '1', 'PX', math.ceil(ms)) end
local now = now_ms()
local tokens, missing = level(KEYS[1], burst, rate, now, 0)
if missing or tokens > 0 then save(KEYS[1], math.min(tokens, 0), now, ttl) end
return redis.call('PTTL', KEYS[2])
`;

/**
 * X-RateLimit-Remaining: lowers a bucket (never raises it) to what the server allows minus the
 * requests of every process still in flight.
 * KEYS: bucket (the key's or a gate's), inflight. ARGV: allowed by the server, cap, rate/ms, ttl ms.
 * Returns {corrected 0/1, tokens before, tokens after}.
 */
const CORRECT = `${PRELUDE}
local target, cap, rate, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()
local tokens, missing = level(KEYS[1], cap, rate, now, 0)
if missing then return {0, 0, 0} end
local inflight = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
local allowed = target - inflight
if allowed < tokens - 1 then
  local to = math.min(tokens, math.max(0, math.floor(allowed)))
  if to < tokens then
    save(KEYS[1], to, now, ttl)
    return {1, math.floor(tokens), to}
  end
end
return {0, math.floor(tokens), math.floor(tokens)}
`;

/**
 * A tighter endpoint limit learned from X-RateLimit-Limit: recorded for every process (the first
 * definition wins), its bucket created full.
 * KEYS: gates, gate. ARGV: route, definition "burst ratePerSecond", ttl ms.
 */
const LEARN = `${PRELUDE}
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], GATES_TTL)
local def = redis.call('HGET', KEYS[1], ARGV[1])
local gburst, grate = gate_shape(def)
if gburst and redis.call('EXISTS', KEYS[2]) == 0 then
  save(KEYS[2], gburst, now_ms(), math.max(tonumber(ARGV[3]), gburst / grate + 60000))
end
return def
`;

/** The key bucket's tokens now (floor), or {missing}. KEYS: bucket. ARGV: burst, rate/ms. */
const LEVEL = `${PRELUDE}
local tokens, missing = level(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), now_ms(), 0)
if missing then return {0, 1} end
return {math.floor(tokens), 0}
`;

export const REDIS_SCRIPTS = {
  incidentIoAcquire: { source: ACQUIRE, keys: 5 },
  incidentIoRefund: { source: REFUND, keys: 3 },
  incidentIoRelease: { source: RELEASE, keys: 2 },
  incidentIoPause: { source: PAUSE, keys: 2 },
  incidentIoCorrect: { source: CORRECT, keys: 2 },
  incidentIoLearn: { source: LEARN, keys: 2 },
  incidentIoLevel: { source: LEVEL, keys: 1 },
} as const;

export type RedisScriptName = keyof typeof REDIS_SCRIPTS;
