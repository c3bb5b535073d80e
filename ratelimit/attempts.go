package ratelimit

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/secevent"
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
	// Each call runs one script on a key and its bucket's loss marker,
	// which share a hash tag, so on a cluster it touches one slot. Nil
	// means an in-process store (tests, single servers).
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
	// Events receives a security event (package secevent) for each
	// attempt [Attempts.Allow] refuses: authn_login_lock (reason
	// "max_failures") when the key has used its failures, or
	// sys_dependency_fail (reason "ratelimit_store") when the store
	// failed and the policy is FailClosed. A detected loss of Redis data
	// (see AfterLoss) is a critical sys_dependency_fail (reason
	// "ratelimit_store_lost"), at most one per 10 s. The key is not in
	// the event, as it is not logged: a service that wants the account
	// named reports the lock itself. Nil means none.
	Events secevent.Sink
	// Now is the clock of the in-process store; Redis uses its own. Nil
	// means time.Now.
	Now func() time.Time
	// AfterLoss is how many failures each key counts as used for one
	// Window after Redis lost the key's bucket (a restart without
	// persistence, a shard restarted without a replica), which Attempts
	// detects by a marker per bucket; a failover that drops only the last
	// writes keeps the marker and is not detected. See "What survives when
	// Redis loses data" in the package documentation. Zero means [AssumeHalfUsed]: a
	// loss gives at most Max/2 (rounded down) extra guesses per key. The
	// in-process store ignores it: a restart of the process loses all it
	// holds, unseen.
	AfterLoss LossPolicy

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
// wrong one and [Attempts.Reset] after a right one ([Attempts.Cancel] if it
// could not be checked). Once a key has Max
// failures within Window, Allow refuses it (even if the next password
// would be right) until the oldest of them is Window old, and says how long
// that is. No window of length Window ever holds more than Max failures.
//
// Allow records the attempt it admits as a failure lasting Window, before
// the password is checked; only [Attempts.Reset] (a success) or
// [Attempts.Cancel] (no check was made) takes it back. So many
// concurrent requests (a single-packet race) cannot all pass Allow before
// the first failure lands, and a Fail that never reaches the store (Redis
// slow or down, the process killed) loses nothing: at most Max attempts
// are admitted per Window, whatever happens to the calls after Allow.
//
// Attempts is safe for concurrent use; its zero value is not usable, call
// [NewAttempts].
type Attempts struct {
	backend
	store     attemptStore
	events    secevent.Sink
	afterLoss LossPolicy
	lossGate  logGate // losses are reported apart from store failures
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
	if cfg.AfterLoss < AssumeHalfUsed || cfg.AfterLoss > AssumeNoneUsed {
		return nil, fmt.Errorf("%w: AfterLoss %v", ErrInvalidConfig, cfg.AfterLoss)
	}
	a := &Attempts{events: cfg.Events, afterLoss: cfg.AfterLoss}
	err := a.backend.init(cmp.Or(cfg.Prefix, DefaultAttemptsPrefix), cfg.OnStoreError, FailClosed, cfg.Logger, cfg.Now)
	if err != nil {
		return nil, err
	}
	alg := slidingLog{max: cmp.Or(cfg.Max, DefaultMaxFailures), window: window}
	if cfg.Redis != nil {
		a.store = newRedisAttempts(redisx.NewCaller(cfg.Redis, cmp.Or(cfg.Timeout, DefaultTimeout)),
			a.prefix, alg, cfg.AfterLoss.assumed(alg.max), a.reportLoss)
	} else {
		a.store = &memAttempts{alg: alg, now: a.now,
			mem: newMemStore(cmp.Or(cfg.MaxLocalKeys, DefaultMaxLocalKeys), attemptsExpired)}
	}
	return a, nil
}

// Allow reports whether an attempt for key may go ahead, and records it
// as a failure until [Attempts.Reset] says otherwise.
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
// been checked, or Cancel if it could not be checked (the user database is
// down). Until then the attempt counts as a failure, and it keeps counting
// for Window unless Reset or Cancel takes it back.
func (a *Attempts) Allow(ctx context.Context, key string) (Result, error) {
	res, err := a.store.apply(ctx, redisx.Digest(key), opAllow)
	if err != nil {
		err = a.failed(ctx, "attempt", err)
		if err != nil {
			a.report(ctx, secevent.SysDependencyFail, "ratelimit_store")
		}
		return Result{}, err
	}
	if !res.Allowed() {
		a.report(ctx, secevent.AuthnLoginLock, "max_failures")
		return res, &LimitError{Result: res}
	}
	return res, nil
}

// report sends a security event about a refused attempt.
func (a *Attempts) report(ctx context.Context, name secevent.Name, reason string) {
	secevent.Emit(ctx, a.events, secevent.Event{Name: name, Reason: reason})
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
	_, err := a.store.apply(ctx, redisx.Digest(key), opFail)
	return a.unrecorded(ctx, "failure", err)
}

// Reset resolves the attempt [Attempts.Allow] admitted as a success, after
// a successful login, and forgets every recorded failure of key. Other
// attempts for key still in flight (admitted, not yet resolved) keep
// counting: a guesser racing the account's owner keeps its guesses on the
// record. It returns an error wrapping [ErrUnavailable] when the store
// failed; the attempt then counts as a failure until Window has passed,
// the safe mistake.
func (a *Attempts) Reset(ctx context.Context, key string) error {
	_, err := a.store.apply(ctx, redisx.Digest(key), opReset)
	return a.unrecorded(ctx, "reset", err)
}

// Cancel takes back the attempt [Attempts.Allow] admitted when the password
// was not checked at all: the user database or the password hasher was
// unavailable and the login was answered with an error. No guess was made,
// so nothing counts; failures already recorded stay. Never call it after
// the password was checked. It returns an error wrapping [ErrUnavailable]
// when the store failed; the attempt then counts as a failure until
// Window has passed, the safe mistake.
func (a *Attempts) Cancel(ctx context.Context, key string) error {
	_, err := a.store.apply(ctx, redisx.Digest(key), opCancel)
	return a.unrecorded(ctx, "cancel", err)
}

// unrecorded logs a Fail, Reset or Cancel the store did not take, whatever the
// failure policy, and returns it wrapped in [ErrUnavailable].
func (a *Attempts) unrecorded(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	a.gate.log(ctx, a.log, a.now(), slog.LevelError, "ratelimit: store failed; "+what+" not recorded",
		slog.String("error", err.Error()))
	return fmt.Errorf("%w: %s not recorded: %w", ErrUnavailable, what, err)
}
