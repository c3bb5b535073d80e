package ratelimit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/redis/go-redis/v9"
)

// redisRate is the rateStore in Redis: gcraScript, one key per check, on
// Redis time, so that every process agrees whatever its clock says.
type redisRate struct {
	call   redisx.Caller
	limit  int
	period time.Duration
	// args are the script's arguments, the emission interval and the burst
	// offset in microseconds, formatted once rather than per check.
	args []any
}

func newRedisRate(rdb redis.UniversalClient, timeout time.Duration, g gcra) *redisRate {
	emission := float64(g.period) / float64(g.limit) / float64(time.Microsecond)
	f := func(x float64) any { return strconv.FormatFloat(x, 'f', -1, 64) }
	return &redisRate{call: redisx.NewCaller(rdb, timeout), limit: g.limit, period: g.period,
		args: []any{f(emission), f(emission * float64(g.burst))}}
}

func (s *redisRate) allow(ctx context.Context, key string) (Result, error) {
	return redisx.Call(ctx, s.call, func(ctx context.Context, rdb redisx.Client) (Result, error) {
		v, err := fourInts(gcraScript.Run(ctx, rdb, []string{key}, s.args...))
		if err != nil {
			return Result{}, err
		}
		res := Result{Limit: s.limit, Period: s.period, Remaining: int(max(v[1], 0)),
			ResetAfter: time.Duration(max(v[3], 0)) * time.Microsecond}
		// The allowed flag decides, not the sign of the wait: a refusal
		// whose wait came back as zero is still a refusal.
		if v[0] != 1 {
			res.Remaining = 0
			res.RetryAfter = max(time.Duration(v[2])*time.Microsecond, time.Nanosecond)
		}
		return res, nil
	})
}

// fourInts reads the reply of both scripts, four integers.
func fourInts(cmd *redis.Cmd) (v [4]int64, err error) {
	val, err := cmd.Result()
	if err != nil {
		return v, err
	}
	reply, ok := val.([]any)
	if !ok || len(reply) != len(v) {
		return v, fmt.Errorf("unexpected reply from script: %v", val)
	}
	for i, x := range reply {
		n, ok := x.(int64)
		if !ok {
			return v, fmt.Errorf("unexpected reply from script: %v", reply)
		}
		v[i] = n
	}
	return v, nil
}

// gcraScript is the generic cell rate algorithm (the one redis_rate and
// memRate run) on one key holding the theoretical arrival time (tat) of
// the next request, in microseconds of Redis time. Each admitted request
// moves tat on by one emission interval (Period / Rate); a request is
// refused when that would put tat more than the burst offset (emission
// interval x Burst) ahead of now, and then nothing is written.
//
// Microseconds since the Unix epoch (about 1.8e15) are exact in the
// script's double-precision numbers (up to 2^53, about 9e15), so no epoch
// shift is needed, and Redis writes a number argument with every digit it
// needs to read it back, so SET keeps tat to the fraction of a
// microsecond. Integers in the reply are truncated by Redis, so waits are
// rounded up first: a refusal never says "retry in 0".
//
// Reply: {allowed (1 or 0), remaining, µs until the next request fits (0
// when allowed), µs until the quota is whole again}.
var gcraScript = redis.NewScript(`
local key = KEYS[1]
local emission = tonumber(ARGV[1])
local offset = tonumber(ARGV[2])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call("GET", key)) or now
if tat < now then
  tat = now
end
local new_tat = tat + emission
local diff = now - (new_tat - offset)
if diff < 0 then
  return {0, 0, math.ceil(-diff), math.ceil(tat - now)}
end
redis.call("SET", key, new_tat, "PX", math.ceil((new_tat - now) / 1000))
return {1, math.floor(diff / emission), 0, math.ceil(new_tat - now)}
`)

// redisAttempts is the attemptStore in Redis: attemptsScript, one key per
// call.
type redisAttempts struct {
	call   redisx.Caller
	max    int
	window time.Duration
}

func (s *redisAttempts) apply(ctx context.Context, key string, op attemptOp) (Result, error) {
	return redisx.Call(ctx, s.call, func(ctx context.Context, rdb redisx.Client) (Result, error) {
		args := []any{string(op), s.max, s.window.Milliseconds(), strconv.FormatUint(rand.Uint64(), 36)}
		v, err := fourInts(attemptsScript.Run(ctx, rdb, []string{key}, args...))
		if err != nil {
			return Result{}, err
		}
		if v[0] == 0 && v[2] <= 0 {
			return Result{}, fmt.Errorf("unexpected reply from script: %v", v)
		}
		return Result{Limit: s.max, Period: s.window, Remaining: int(v[1]),
			RetryAfter: time.Duration(v[2]) * time.Millisecond, ResetAfter: time.Duration(v[3]) * time.Millisecond}, nil
	})
}

// attemptsScript keeps a key's log as a sorted set: members are "p" (an
// attempt Allow admitted whose outcome is not known yet) or "f" (a
// failure) plus a random nonce, scores their expiry in Redis milliseconds.
// Both kinds count alike and both last a whole window: an admitted attempt
// is a failure until "reset" resolves it as a success (or "cancel" says
// the password was never checked), so a "fail" that
// never arrives (timed out, or the process died) loses no guess. It runs
// the same algorithm as slidingLog. Reply: {allowed (1 or 0), remaining,
// ms until the next attempt fits (0 when allowed), ms until the log is
// empty}.
var attemptsScript = redis.NewScript(`
local key = KEYS[1]
local op = ARGV[1]
local max = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local nonce = ARGV[4]
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call("ZREMRANGEBYSCORE", key, "-inf", now)
local n = redis.call("ZCARD", key)

-- dropPending removes the newest "p" entry, the one most likely to be the
-- caller's own, and returns how many it removed (0 or 1).
local function dropPending()
  local all = redis.call("ZREVRANGE", key, 0, -1)
  for i = 1, #all do
    if string.sub(all[i], 1, 1) == "p" then
      redis.call("ZREM", key, all[i])
      return 1
    end
  end
  return 0
end

if op == "allow" then
  if n >= max then
    -- Sorted by expiry: the entry at n-max must expire before one more
    -- attempt fits.
    local e = redis.call("ZRANGE", key, n - max, n - max, "WITHSCORES")
    local last = redis.call("ZRANGE", key, -1, -1, "WITHSCORES")
    return {0, 0, tonumber(e[2]) - now, tonumber(last[2]) - now}
  end
  redis.call("ZADD", key, now + window, "p" .. nonce)
  n = n + 1
elseif op == "fail" then
  n = n - dropPending()
  redis.call("ZADD", key, now + window, "f" .. nonce)
  n = n + 1
  if n > max then
    -- Only Fail without Allow gets here. The oldest would expire first
    -- anyway: dropping them changes no decision and bounds the log.
    redis.call("ZREMRANGEBYRANK", key, 0, n - max - 1)
    n = max
  end
elseif op == "cancel" then
  -- The password was never checked: take this attempt's entry back.
  n = n - dropPending()
  if n <= 0 then
    redis.call("DEL", key)
    return {1, max, 0, 0}
  end
elseif op == "reset" then
  -- A success: forget the failures and this attempt's own entry; other
  -- attempts in flight keep counting.
  n = n - dropPending()
  local all = redis.call("ZRANGE", key, 0, -1)
  for i = 1, #all do
    if string.sub(all[i], 1, 1) == "f" then
      redis.call("ZREM", key, all[i])
      n = n - 1
    end
  end
  if n <= 0 then
    redis.call("DEL", key)
    return {1, max, 0, 0}
  end
else
  return redis.error_reply("unknown op")
end
local last = redis.call("ZRANGE", key, -1, -1, "WITHSCORES")
local ttl = tonumber(last[2]) - now
redis.call("PEXPIRE", key, ttl)
return {1, max - n, 0, ttl}
`)
