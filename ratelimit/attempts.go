package ratelimit

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults for the zero values of [AttemptsConfig], beside DefaultTimeout
// and DefaultMaxLocalKeys.
const (
	DefaultMaxFailures    = 10
	DefaultWindow         = 15 * time.Minute
	DefaultAttemptsPrefix = "ratelimit:attempts:"
)

// AttemptsConfig configures [Attempts]. The zero AttemptsConfig allows 10
// failures per 15 minutes per key, kept in process.
type AttemptsConfig struct {
	// Redis holds the failure logs, shared by every process that uses it.
	// Each call runs one script on one key, so on a cluster it touches
	// one slot. Nil means an in-process store (tests, single servers).
	Redis redis.UniversalClient

	// Max is the number of failures allowed per key within Window. Zero
	// means [DefaultMaxFailures], 10. NIST SP 800-63B caps consecutive failures at 100.
	Max int
	// Window is how long a failure counts. An attempt admitted by
	// [Attempts.Allow] counts as a failure for a whole Window too, unless
	// [Attempts.Reset] resolves it as a success. Zero means
	// [DefaultWindow], 15 minutes.
	Window time.Duration

	// Prefix starts every Redis key; it must not contain "{" or "}".
	// Zero means [DefaultAttemptsPrefix].
	Prefix string
	// Timeout bounds each call, including the Redis round trip. Zero
	// means [DefaultTimeout], 50 ms.
	Timeout time.Duration
	// OnStoreError is what [Attempts.Allow] does when Redis fails or times
	// out. Zero means [FailClosed]: no password is checked while failures
	// cannot be counted, or an attacker who can slow Redis down could
	// guess without limit. With [FailOpen] a store outage lets every
	// attempt through uncounted.
	OnStoreError FailurePolicy

	// Logger receives store failures (at most one line per 10 s). Keys
	// are not logged. Nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock of the in-process store; Redis uses its own. Nil
	// means time.Now.
	Now func() time.Time
	// MaxLocalKeys bounds the keys the in-process store holds. When it
	// is full, Allow on a new key is handled by OnStoreError (refused, by
	// default) and expired keys are reclaimed at most once a second.
	// Account names are client input, so a client that sends this many
	// distinct names can hold the guard full for Window: refusing
	// everyone else's logins, or with FailOpen no longer counting their
	// failures. Use Redis for a service that faces the internet. Zero
	// means [DefaultMaxLocalKeys], 100,000.
	MaxLocalKeys int
}

// Attempts limits failed attempts per key: the failed-login guard against
// password guessing and credential stuffing that NIST SP 800-63B asks for.
// Call [Attempts.Allow] before checking a password, [Attempts.Fail] after a
// wrong one and [Attempts.Reset] after a right one. Once a key has Max
// failures within Window, Allow refuses it (even if the next password
// would be right) until the oldest of them is Window old, and says how long
// that is. No window of length Window ever holds more than Max failures.
//
// Allow records the attempt it admits as a failure lasting Window, before
// the password is checked; only [Attempts.Reset] takes it back. So many
// concurrent requests (a single-packet race) cannot all pass Allow before
// the first failure lands, and a Fail that never reaches the store (Redis
// slow or down, the process killed) loses nothing: at most Max attempts
// are admitted per Window, whatever happens to the calls after Allow.
//
// Attempts is safe for concurrent use; its zero value is not usable, call
// [NewAttempts].
type Attempts struct {
	backend
	alg slidingLog
	mem *memStore[[]attempt] // nil with Redis
}

// NewAttempts checks cfg and returns an Attempts.
func NewAttempts(cfg AttemptsConfig) (*Attempts, error) {
	if cfg.Max < 0 || cfg.Window < 0 || cfg.Timeout < 0 || cfg.MaxLocalKeys < 0 {
		return nil, fmt.Errorf("%w: Max, Window, Timeout and MaxLocalKeys must not be negative", ErrInvalidConfig)
	}
	window := cmp.Or(cfg.Window, DefaultWindow)
	if window < time.Millisecond {
		return nil, fmt.Errorf("%w: Window %v is shorter than 1ms", ErrInvalidConfig, window)
	}
	a := &Attempts{alg: slidingLog{max: cmp.Or(cfg.Max, DefaultMaxFailures), window: window}}
	err := a.backend.init(cfg.Redis, cmp.Or(cfg.Prefix, DefaultAttemptsPrefix), cfg.OnStoreError, FailClosed,
		cfg.Logger, cfg.Now, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	if a.rdb == nil {
		a.mem = newMemStore(cmp.Or(cfg.MaxLocalKeys, DefaultMaxLocalKeys), attemptsExpired)
	}
	return a, nil
}

// Allow reports whether an attempt for key may go ahead, and reserves it.
// It returns a [*LimitError] ([ErrLimited]) with the time to wait when key
// has used up its failures, and an error wrapping [ErrUnavailable] when
// the store failed and the policy is [FailClosed]. Refuse the login in
// both cases without checking the password, for example with
// [WriteError].
//
// Which key to use is the caller's choice. Per account, a guesser is
// slowed down whatever addresses it uses, but anyone can lock a victim out
// of their account by failing on purpose. Per account and client address,
// a victim elsewhere keeps logging in, but a botnet gets Max guesses per
// address. A common mix is two Attempts, a strict one per account and
// address and a looser one per account. Normalise the account part as the
// account lookup does (case, Unicode form), or "Alice" and "alice" get a
// guess budget each. Never key by address alone: [Attempts.Reset] after a
// successful login clears the key, so an attacker who logs in to an
// account of its own from that address would wipe the record of every
// guess it made from there.
//
// After Allow, call exactly one of Fail and Reset once the password has
// been checked. Until then the attempt counts as a failure, and it keeps
// counting for Window unless Reset says it succeeded: if the check itself
// could not be made (the user database is down), call neither.
func (a *Attempts) Allow(ctx context.Context, key string) (Result, error) {
	k := storeKey(a.prefix, key)
	var res Result
	var err error
	if a.rdb != nil {
		res, err = callRedis(ctx, a.redis, func(ctx context.Context) (Result, error) {
			return a.runScript(ctx, k, "allow")
		})
	} else {
		res, err = a.alg.allow(a.mem, k, a.now())
	}
	if err != nil {
		return Result{}, a.failed(ctx, "attempt", err)
	}
	if !res.Allowed() {
		return res, &LimitError{Result: res}
	}
	return res, nil
}

// Fail records a failed attempt for key. After [Attempts.Allow] it
// confirms the failure Allow already recorded, and restarts its Window from
// now; without Allow it adds one. It returns an error wrapping
// [ErrUnavailable] when the store failed; the attempt Allow admitted
// counts all the same.
//
// The failure is recorded even when ctx is already cancelled, as a
// request's context is once its client hangs up: a guesser must not be
// able to keep failures off the record by disconnecting. Config.Timeout
// still bounds the call.
func (a *Attempts) Fail(ctx context.Context, key string) error {
	ctx = context.WithoutCancel(ctx)
	k := storeKey(a.prefix, key)
	var err error
	if a.rdb != nil {
		_, err = callRedis(ctx, a.redis, func(ctx context.Context) (Result, error) {
			return a.runScript(ctx, k, "fail")
		})
	} else {
		err = a.alg.fail(a.mem, k, a.now())
	}
	return a.wrap(ctx, "failure", err)
}

// Reset resolves the attempt [Attempts.Allow] admitted as a success, after
// a successful login, and forgets every recorded failure of key. Other
// attempts for key still in flight (admitted, not yet resolved) keep
// counting: a guesser racing the account's owner keeps its guesses on the
// record. It returns an error wrapping [ErrUnavailable] when the store
// failed; the attempt then counts as a failure until Window has passed,
// the safe mistake.
func (a *Attempts) Reset(ctx context.Context, key string) error {
	k := storeKey(a.prefix, key)
	var err error
	if a.rdb != nil {
		_, err = callRedis(ctx, a.redis, func(ctx context.Context) (Result, error) {
			return a.runScript(ctx, k, "reset")
		})
	} else {
		err = a.alg.reset(a.mem, k, a.now())
	}
	return a.wrap(ctx, "reset", err)
}

func (a *Attempts) wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	a.gate.log(ctx, a.log, a.now(), slog.LevelError, "ratelimit: store failed; "+op+" not recorded",
		slog.String("error", err.Error()))
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

func (a *Attempts) runScript(ctx context.Context, key, op string) (Result, error) {
	args := []any{op, a.alg.max, a.alg.window.Milliseconds(), strconv.FormatUint(rand.Uint64(), 36)}
	v, err := attemptsScript.Run(ctx, a.rdb, []string{key}, args...).Int64Slice()
	if err != nil {
		return Result{}, err
	}
	if len(v) != 4 || v[0] == 0 && v[2] <= 0 {
		return Result{}, fmt.Errorf("unexpected reply from attempts script: %v", v)
	}
	return Result{Limit: a.alg.max, Period: a.alg.window, Remaining: int(v[1]),
		RetryAfter: time.Duration(v[2]) * time.Millisecond, ResetAfter: time.Duration(v[3]) * time.Millisecond}, nil
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
