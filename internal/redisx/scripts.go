package redisx

// RaiseScript is the Lua source that sets KEYS[1] to the number ARGV[1],
// expiring at ARGV[2] (Unix milliseconds, PXAT), only when that raises the
// stored value, and returns 1. A not-before or a mark written with it only
// moves forward, whatever order concurrent writers arrive in, so a late
// "log out everywhere" never undoes a newer one.
const RaiseScript = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tonumber(ARGV[1]) > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
end
return 1`
