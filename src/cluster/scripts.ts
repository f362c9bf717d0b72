/**
 * The Lua scripts every shared decision runs in: Redis runs each one atomically, so a check
 * and the write it allows can never be split by another instance. Times come from Redis's own
 * clock (TIME), never from the instances' clocks, which need not agree.
 */

/** Milliseconds (with fraction) on Redis's clock. */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
`;

/**
 * KEYS[1] bucket hash. ARGV: refill rate (tokens/s, safety applied), capacity, cost, floor,
 * and optionally want (tokens for the calls queued behind this one, cost included).
 * Refills by the time elapsed, then takes `cost` if that leaves at least `floor` (the confirm
 * reserve for callers that may not spend it), and as many more whole `cost`s as `want` asks
 * and the floor allows. A negative cost gives tokens back.
 * Returns {granted 0|1, ms until it could be granted, level as text, tokens taken as text}.
 */
export const BUCKET_TAKE = `${NOW}
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local floor = tonumber(ARGV[4])
local want = tonumber(ARGV[5]) or cost
local level = tonumber(redis.call('HGET', KEYS[1], 'level'))
local at = tonumber(redis.call('HGET', KEYS[1], 'at'))
if level == nil or at == nil then
  level = capacity
  at = now
end
if now > at then
  level = math.min(capacity, level + (now - at) * rate / 1000)
  at = now
end
level = math.min(level, capacity)
local granted = 0
local wait = 0
local taken = 0
if cost < 0 or level - cost >= floor then
  taken = cost
  if cost > 0 and want > cost then
    taken = cost + math.floor(math.min(want - cost, level - floor - cost) / cost) * cost
  end
  level = math.min(capacity, level - taken)
  granted = 1
  if taken ~= 0 then redis.call('HINCRBYFLOAT', KEYS[1], 'spent', taken) end
else
  wait = math.max(1, math.ceil((cost + floor - level) * 1000 / rate))
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], 3600000)
return {granted, wait, tostring(level), tostring(taken)}
`;

/** KEYS[1] bucket hash: a fresh 429 says the exchange's bucket is empty, so ours is too. */
export const BUCKET_EMPTY = `${NOW}
redis.call('HSET', KEYS[1], 'level', '0', 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 3600000)
return 1
`;

/**
 * KEYS[1] the instance's presence key, KEYS[2] the set of instances. ARGV: id, ttl ms, value
 * (when this instance last loaded positions from the exchange). Returns 1 if the key existed
 * (0: it had lapsed, and others may have dropped our reservations).
 */
export const PRESENCE = `
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return existed
`;

/**
 * KEYS[1] lease, KEYS[2] fencing counter, KEYS[3] last holder, KEYS[4] our presence key.
 * ARGV: instance id, ttl ms, random nonce, presence key prefix. Takes the lease when it is free
 * (and we are present); the previous holder's presence is removed, so its reservations and
 * claims stop counting at once. Returns {1, token} or {0, current holder's token}.
 */
export const LEASE_ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then return {0, current} end
if redis.call('EXISTS', KEYS[4]) == 0 then return {0, ''} end
local n = redis.call('INCR', KEYS[2])
local token = n .. ':' .. ARGV[1] .. ':' .. ARGV[3]
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
local previous = redis.call('GET', KEYS[3])
if previous and previous ~= ARGV[1] then redis.call('DEL', ARGV[4] .. previous) end
redis.call('SET', KEYS[3], ARGV[1])
return {1, token}
`;

/**
 * KEYS[1] lease, KEYS[2] our presence key. ARGV: token, ttl ms. Extends our lease. Returns 1,
 * 2 when the key was gone (Redis lost its data) and is set again with our token, or 0 when
 * someone else holds it.
 */
export const LEASE_RENEW = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not current and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
`;

/** KEYS[1] lease. ARGV: token. Gives the lease up (shutdown) so a standby need not wait. */
export const LEASE_RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** KEYS[1] lease (or '' outside a group), KEYS[2] our presence. ARGV: token. 1 when we may write. */
export const FENCE_CHECK = `
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
if KEYS[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return 1
`;

/**
 * Publishes (or updates) one reservation.
 * KEYS: [1] reservations hash, [2] version counter, [3] last version each instance wrote,
 * [4] RFQ claims hash, [5] our presence key.
 * ARGV: [1] our id, [2] field ("<id>|<local id>"), [3] JSON, [4] RFQ id, [5] the version our
 * view was read at, [6] 'check' (an admission: refused if another instance added exposure since
 * our view), 'bump' (may add exposure and has already happened: versioned, not checked) or
 * 'plain' (only lowers exposure), [7] presence key prefix.
 * Returns {1, version} | {0, version} (another instance added exposure since our view: read
 * again) | {-1} (our presence lapsed) | {-2, owner} (another live instance quotes this RFQ).
 */
export const RESERVE = `
if redis.call('EXISTS', KEYS[5]) == 0 then return {-1} end
local me = ARGV[1]
local claim = redis.call('HGET', KEYS[4], ARGV[4])
if claim and claim ~= ARGV[2] then
  local owner = string.match(claim, '^([^|]+)|')
  if owner and owner ~= me and redis.call('EXISTS', ARGV[7] .. owner) == 1 then return {-2, owner} end
end
local version = tonumber(redis.call('GET', KEYS[2]) or '0')
if ARGV[6] == 'check' then
  local expected = tonumber(ARGV[5])
  local writers = redis.call('HGETALL', KEYS[3])
  for i = 1, #writers, 2 do
    if writers[i] ~= me and tonumber(writers[i + 1]) > expected then return {0, version} end
  end
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[4], ARGV[4], ARGV[2])
if ARGV[6] ~= 'plain' then
  version = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[3], me, version)
end
return {1, version}
`;

/** KEYS: [1] reservations, [2] RFQ claims. ARGV: field, RFQ id. Releasing never needs a check. */
export const RELEASE = `
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[2]) end
return 1
`;

/**
 * Every live reservation, after dropping those of instances whose presence lapsed.
 * KEYS: [1] reservations, [2] version counter, [3] RFQ claims, [4] set of instances.
 * ARGV: presence key prefix.
 * Returns {version, {id, presence value, ...}, {field, json, ...}}.
 */
export const SNAPSHOT = `
local prefix = ARGV[1]
local alive = {}
local members = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  local value = redis.call('GET', prefix .. id)
  if value then
    alive[id] = true
    table.insert(members, id)
    table.insert(members, value)
  else
    redis.call('SREM', KEYS[4], id)
  end
end
local out = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local owner = string.match(all[i], '^([^|]+)|')
  if owner and alive[owner] then
    table.insert(out, all[i])
    table.insert(out, all[i + 1])
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
local claims = redis.call('HGETALL', KEYS[3])
for i = 1, #claims, 2 do
  local owner = string.match(claims[i + 1], '^([^|]+)|')
  if not (owner and alive[owner]) then redis.call('HDEL', KEYS[3], claims[i]) end
end
return {redis.call('GET', KEYS[2]) or '0', members, out}
`;
