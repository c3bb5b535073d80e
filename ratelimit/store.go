package ratelimit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/lambdasec/lambdasec/internal/redisx"
)

// rateStore counts requests with the generic cell rate algorithm. One
// implementation keeps the state in Redis (redisRate), one in process
// (memRate); they give the same answers.
type rateStore interface {
	allow(ctx context.Context, key string) (Result, error)
}

// attemptOp is what [Attempts] asks of its store for one key.
type attemptOp string

const (
	opAllow  attemptOp = "allow"  // admit an attempt, recorded as a failure, or refuse
	opFail   attemptOp = "fail"   // confirm a failure (or record one)
	opReset  attemptOp = "reset"  // resolve one attempt as a success, forget the failures
	opCancel attemptOp = "cancel" // take back one attempt whose password was never checked
)

// attemptStore runs the failed-login log. One implementation keeps it in
// Redis (redisAttempts), one in process (memAttempts); they run the same
// algorithm. The key is [redisx.Digest] of the caller's key; the Redis
// store adds the prefix and the bucket. The Result matters only for
// opAllow.
type attemptStore interface {
	apply(ctx context.Context, digest string, op attemptOp) (Result, error)
}

// storeKey turns a caller's key into the stored key: the prefix, then a
// digest of the key (see [redisx.Digest] for why the key itself is never
// stored).
func storeKey(prefix, key string) string {
	return prefix + redisx.Digest(key)
}

// errStoreFull is the in-process store's answer when it holds
// MaxLocalKeys live keys; it is handled like a Redis failure.
var errStoreFull = errors.New("in-process store is full")

// logEvery is how often store failures are logged at most.
const logEvery = 10 * time.Second

// logGate lets one store-failure message through per logEvery, so that an
// outage at thousands of requests a second does not flood the logs (and
// the log bill); the next message reports how many were suppressed.
type logGate struct {
	next       atomic.Int64 // unix nanoseconds
	suppressed atomic.Int64
}

func (g *logGate) log(ctx context.Context, l *slog.Logger, now time.Time, level slog.Level, msg string, attrs ...slog.Attr) {
	ok, suppressed := g.admit(now)
	if !ok {
		return
	}
	if suppressed > 0 {
		attrs = append(attrs, slog.Int64("suppressed", suppressed))
	}
	l.LogAttrs(ctx, level, msg, attrs...)
}

// admit reports whether a message may go out now, and how many were
// suppressed since the last one that did.
func (g *logGate) admit(now time.Time) (ok bool, suppressed int64) {
	next := g.next.Load()
	if now.UnixNano() < next || !g.next.CompareAndSwap(next, now.Add(logEvery).UnixNano()) {
		g.suppressed.Add(1)
		return false, 0
	}
	return true, g.suppressed.Swap(0)
}

// backend is what a Limiter and an Attempts share besides their store:
// the key prefix, the failure policy, and the logging of store failures.
type backend struct {
	prefix string
	policy FailurePolicy
	log    *slog.Logger
	now    func() time.Time
	gate   logGate
}

func (b *backend) init(prefix string, policy, def FailurePolicy, logger *slog.Logger, now func() time.Time) error {
	if err := redisx.CheckPrefix(prefix); err != nil {
		return fmt.Errorf("%w: Prefix: %w", ErrInvalidConfig, err)
	}
	b.policy = cmp.Or(policy, def)
	if b.policy != FailOpen && b.policy != FailClosed {
		return fmt.Errorf("%w: OnStoreError %v", ErrInvalidConfig, policy)
	}
	b.prefix = prefix
	b.log = cmp.Or(logger, slog.Default())
	b.now = now
	if b.now == nil {
		b.now = time.Now
	}
	return nil
}

// failed applies the failure policy to a store error: nil when failing
// open, an error wrapping [ErrUnavailable] when failing closed. Either way
// it is logged, without the key.
func (b *backend) failed(ctx context.Context, what string, err error, attrs ...slog.Attr) error {
	attrs = append(attrs, slog.String("error", err.Error()))
	if b.policy == FailOpen {
		b.gate.log(ctx, b.log, b.now(), slog.LevelWarn, "ratelimit: store failed; "+what+" allowed (fail-open)", attrs...)
		return nil
	}
	b.gate.log(ctx, b.log, b.now(), slog.LevelError, "ratelimit: store failed; "+what+" refused (fail-closed)", attrs...)
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}
