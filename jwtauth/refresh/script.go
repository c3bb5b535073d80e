package refresh

// A family is one Redis hash, <prefix>:{<tag>}:f:<fid>, with the fields
//
//	sub  subject            cid  client id          g    grant (JSON)
//	c    created (ms)       x    absolute end (ms)  u    last use (ms)
//	cur  id of the current token                    prv  id of the one before
//	rot  last rotation (ms) nxt  successor of prv, sealed under prv
//	gen  rotations so far   st   "a" active, "r" revoked
//
// and the subject's "log out everywhere" mark is <prefix>:{<tag>}:nbf (ms):
// families created before it are revoked. Both keys carry the subject's
// tag, so every script below touches one hash slot and runs on Redis
// Cluster. Keys expire: a family at min(x, u + idle timeout), the mark
// after the absolute lifetime, when every family it could refuse is gone.

// exchangeScript is the whole exchange, one atomic step.
//
//	KEYS[1] family, KEYS[2] subject mark
//	ARGV[1] now (ms)   ARGV[2] id of the presented token
//	ARGV[3] id of the successor   ARGV[4] successor sealed under the presented token
//	ARGV[5] idle timeout (ms)     ARGV[6] grace period (ms)
//	ARGV[7] client id             ARGV[8] now + idle timeout (ms)
//
// It returns {status, sub, grant, rot, nxt, x}, status one of:
//
//	ok       the current token: rotated, the successor is now current
//	grace    the previous token within the grace period: nothing changes,
//	         nxt is the successor handed out then
//	reuse    any other token of the family: the family is now revoked
//	revoked  the family was revoked (logout, reuse, log out everywhere)
//	expired  past its absolute or idle end: deleted
//	client   presented by another client: refused, nothing changes
//	unknown  no such family
//
// Token ids are compared in constant time (eq): every byte is visited and
// summed, with no early exit, so the time does not depend on where two
// ids differ. (Plain arithmetic: the bit library is missing from some
// Lua hosts that stand in for Redis.)
const exchangeScript = `
local f = redis.call('HMGET', KEYS[1], 'st', 'cur', 'prv', 'rot', 'nxt', 'c', 'x', 'u', 'sub', 'cid', 'g')
if not f[1] then return {'unknown'} end
local function out(status) return {status, f[9], f[11], f[4] or '', f[5] or '', f[7]} end
local function eq(a, b)
  if not a or #a ~= #b then return false end
  local d = 0
  for i = 1, #a do
    local x = string.byte(a, i) - string.byte(b, i)
    d = d + x * x
  end
  return d == 0
end
if f[1] ~= 'a' then return out('revoked') end
local now = tonumber(ARGV[1])
local mark = redis.call('GET', KEYS[2])
if mark and tonumber(f[6]) < tonumber(mark) then
  redis.call('HSET', KEYS[1], 'st', 'r')
  return out('revoked')
end
if now >= tonumber(f[7]) or now >= tonumber(f[8]) + tonumber(ARGV[5]) then
  redis.call('DEL', KEYS[1])
  return out('expired')
end
if f[10] ~= ARGV[7] then return out('client') end
if eq(f[2], ARGV[2]) then
  redis.call('HSET', KEYS[1], 'prv', f[2], 'cur', ARGV[3], 'rot', ARGV[1], 'nxt', ARGV[4], 'u', ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'gen', 1)
  local ex = ARGV[8]
  if tonumber(f[7]) < tonumber(ex) then ex = f[7] end
  redis.call('PEXPIREAT', KEYS[1], ex)
  f[4] = ARGV[1]
  return out('ok')
end
if eq(f[3], ARGV[2]) and now < tonumber(f[4]) + tonumber(ARGV[6]) then
  return out('grace')
end
redis.call('HSET', KEYS[1], 'st', 'r')
return out('reuse')`

// revokeScript marks the family KEYS[1] revoked, if it still exists (an
// HSET on a missing key would create a record without expiry), and
// returns its subject, or false.
const revokeScript = `
local sub = redis.call('HGET', KEYS[1], 'sub')
if not sub then return false end
redis.call('HSET', KEYS[1], 'st', 'r')
return sub`
