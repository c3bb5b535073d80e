package ratelimit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/redis/go-redis/v9"
)

// redisRate is the rateStore in Redis: redis_rate's GCRA script, one key
// per check, on Redis time, so that every process agrees whatever its
// clock says.
type redisRate struct {
	call  redisx.Caller
	rl    *redis_rate.Limiter
	limit redis_rate.Limit
}

func newRedisRate(rdb redis.UniversalClient, timeout time.Duration, limit redis_rate.Limit) *redisRate {
	return &redisRate{call: redisx.NewCaller(rdb, timeout), rl: redis_rate.NewLimiter(rdb), limit: limit}
}

func (s *redisRate) allow(ctx context.Context, key string) (Result, error) {
	return redisx.Do(ctx, s.call, func(ctx context.Context, _ redis.UniversalClient) (Result, error) {
		r, err := s.rl.Allow(ctx, key, s.limit)
		if err != nil {
			return Result{}, err
		}
		// The reply's Allowed decides, not the sign of a float the script
		// formatted: a refusal whose wait rounds to zero is still a
		// refusal.
		retry := time.Duration(0)
		if r.Allowed < 1 {
			retry = max(r.RetryAfter, time.Nanosecond)
		}
		return Result{Limit: s.limit.Rate, Period: s.limit.Period, Remaining: max(r.Remaining, 0),
			RetryAfter: retry, ResetAfter: max(r.ResetAfter, 0)}, nil
	})
}

// redisAttempts is the attemptStore in Redis: attemptsScript, one key per
// call.
type redisAttempts struct {
	call   redisx.Caller
	max    int
	window time.Duration
}

func (s *redisAttempts) apply(ctx context.Context, key string, op attemptOp) (Result, error) {
	return redisx.Do(ctx, s.call, func(ctx context.Context, rdb redis.UniversalClient) (Result, error) {
		args := []any{string(op), s.max, s.window.Milliseconds(), strconv.FormatUint(rand.Uint64(), 36)}
		v, err := attemptsScript.Run(ctx, rdb, []string{key}, args...).Int64Slice()
		if err != nil {
			return Result{}, err
		}
		if len(v) != 4 || v[0] == 0 && v[2] <= 0 {
			return Result{}, fmt.Errorf("unexpected reply from attempts script: %v", v)
		}
		return Result{Limit: s.max, Period: s.window, Remaining: int(v[1]),
			RetryAfter: time.Duration(v[2]) * time.Millisecond, ResetAfter: time.Duration(v[3]) * time.Millisecond}, nil
	})
}

// attemptsScript keeps a key's log as a sorted set: members are "p" (an
// attempt Allow admitted whose outcome is not known yet) or "f" (a
// failure) plus a random nonce, scores their expiry in Redis milliseconds.
// Both kinds count alike and both last a whole window: an admitted attempt
// is a failure until "reset" resolves it as a success, so a "fail" that
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
