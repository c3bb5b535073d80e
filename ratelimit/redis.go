package ratelimit

import (
	"context"
	"fmt"
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
		var v [4]int64
		if err := scriptInts(gcraScript.Run(ctx, rdb, []string{key}, s.args...), v[:]); err != nil {
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

// scriptInts reads a script's reply, len(v) integers, into v.
func scriptInts(cmd *redis.Cmd, v []int64) error {
	val, err := cmd.Result()
	if err != nil {
		return err
	}
	reply, ok := val.([]any)
	if !ok || len(reply) != len(v) {
		return fmt.Errorf("unexpected reply from script: %v", val)
	}
	for i, x := range reply {
		n, ok := x.(int64)
		if !ok {
			return fmt.Errorf("unexpected reply from script: %v", reply)
		}
		v[i] = n
	}
	return nil
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
