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

// redisAttempts is the attemptStore in Redis: attemptsScript, on a key's
// log and its bucket's loss marker, both in the slot of the bucket's hash
// tag:
//
//	<prefix>{<bucket>}<digest>
//	<prefix>epoch{<bucket>}
//
// The bucket is the digest's first ten bits (see [redisx.Bucket]).
type redisAttempts struct {
	call   redisx.Caller
	prefix string
	max    int
	window time.Duration
	seen   bucketSet             // buckets whose marker this process has seen
	onLoss func(context.Context) // reports a detected loss
	// fixed are the script's arguments that never change: max, window
	// and the failures a key counts as used after a loss, boxed once
	// (boxing an int allocates).
	fixed [3]any
}

func newRedisAttempts(call redisx.Caller, prefix string, alg slidingLog, assumed int, onLoss func(context.Context)) *redisAttempts {
	return &redisAttempts{call: call, prefix: prefix, max: alg.max, window: alg.window, onLoss: onLoss,
		fixed: [3]any{alg.max, alg.window.Milliseconds(), assumed}}
}

// seenArg is the script's ARGV[6], boxed once.
var seenArg = [2]any{"0", "1"}

// attemptsReply is the script's reply: the Result and the marker's state.
type attemptsReply struct {
	res   Result
	state markerState
}

func (s *redisAttempts) apply(ctx context.Context, digest string, op attemptOp) (Result, error) {
	key, marker, bucket := s.keys(digest)
	seen := seenArg[0]
	if s.seen.has(bucket) {
		seen = seenArg[1]
	}
	args := []any{string(op), s.fixed[0], s.fixed[1], strconv.FormatUint(rand.Uint64(), 36), s.fixed[2], seen}
	r, err := redisx.Call(ctx, s.call, func(ctx context.Context, rdb redisx.Client) (attemptsReply, error) {
		var v [5]int64
		if err := scriptInts(attemptsScript.Run(ctx, rdb, []string{key, marker}, args...), v[:]); err != nil {
			return attemptsReply{}, err
		}
		if v[0] == 0 && v[2] <= 0 {
			return attemptsReply{}, fmt.Errorf("unexpected reply from script: %v", v)
		}
		return attemptsReply{state: markerState(v[4]), res: Result{Limit: s.max, Period: s.window, Remaining: int(v[1]),
			RetryAfter: time.Duration(v[2]) * time.Millisecond, ResetAfter: time.Duration(v[3]) * time.Millisecond}}, nil
	})
	if err != nil {
		return Result{}, err
	}
	s.seen.add(bucket)
	if r.state == markerLost {
		s.onLoss(ctx)
	}
	return r.res, nil
}

// keys builds a digest's key and its bucket's marker in one allocation.
func (s *redisAttempts) keys(digest string) (key, marker string, bucket int) {
	bucket = redisx.Bucket(digest)
	tag := redisx.BucketTag(bucket)
	var buf [160]byte
	b := append(buf[:0], s.prefix...)
	b = append(b, '{')
	b = append(b, tag[:]...)
	b = append(b, '}')
	b = append(b, digest...)
	n := len(b)
	b = append(b, s.prefix...)
	b = append(b, "epoch{"...)
	b = append(b, tag[:]...)
	b = append(b, '}')
	k := string(b)
	return k[:n], k[n:], bucket
}

// attemptsScript keeps a key's log as a sorted set: members are "p" (an
// attempt Allow admitted whose outcome is not known yet), "f" (a failure)
// or "l" (a failure assumed after a loss), plus a nonce, scores their
// expiry in Redis milliseconds. All kinds count alike and last a whole
// window: an admitted attempt is a failure until "reset" resolves it as a
// success (or "cancel" says the password was never checked), so a "fail"
// that never arrives (timed out, or the process died) loses no guess. It
// runs the same algorithm as slidingLog.
//
// Loss detection: KEYS[2] is the bucket's marker, which never expires and
// holds 0, or the Redis time in ms at which a loss was detected. A missing
// marker is a loss when the calling process has seen it before (ARGV[6]);
// otherwise the bucket is new. For one window after a loss, a key with an
// empty log starts with ARGV[5] assumed failures that expire with the
// window, so no key of the bucket gets more than max - assumed guesses
// that the lost log would have refused. Reset forgets failures, not
// assumed ones: a successful login does not undo the loss.
//
// Reply: {allowed (1 or 0), remaining, ms until the next attempt fits (0
// when allowed), ms until the log is empty, marker state (0 found, 1 lost,
// 2 created)}.
var attemptsScript = redis.NewScript(`
local key = KEYS[1]
local marker = KEYS[2]
local op = ARGV[1]
local max = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local nonce = ARGV[4]
local assumed = tonumber(ARGV[5])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local state = 0
local lost = tonumber(redis.call("GET", marker))
if lost == nil then
  if ARGV[6] == "1" then
    state = 1
    lost = now
  else
    state = 2
    lost = 0
  end
  redis.call("SET", marker, lost)
end

redis.call("ZREMRANGEBYSCORE", key, "-inf", now)
local n = redis.call("ZCARD", key)
local seeded = false
if n == 0 and lost > 0 and now < lost + window and assumed > 0 then
  seeded = true
  for i = 1, assumed do
    redis.call("ZADD", key, lost + window, "l" .. i)
  end
  n = assumed
end

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
    if seeded then
      redis.call("PEXPIRE", key, tonumber(last[2]) - now)
    end
    return {0, 0, tonumber(e[2]) - now, tonumber(last[2]) - now, state}
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
elseif op == "cancel" or op == "reset" then
  -- cancel: the password was never checked, take this attempt's entry
  -- back. reset: a success, forget the failures too; other attempts in
  -- flight keep counting, and so do assumed failures.
  n = n - dropPending()
  if op == "reset" then
    local all = redis.call("ZRANGE", key, 0, -1)
    for i = 1, #all do
      if string.sub(all[i], 1, 1) == "f" then
        redis.call("ZREM", key, all[i])
        n = n - 1
      end
    end
  end
  if n <= 0 then
    redis.call("DEL", key)
    return {1, max, 0, 0, state}
  end
else
  return redis.error_reply("unknown op")
end
local last = redis.call("ZRANGE", key, -1, -1, "WITHSCORES")
local ttl = tonumber(last[2]) - now
redis.call("PEXPIRE", key, ttl)
return {1, max - n, 0, ttl, state}
`)
