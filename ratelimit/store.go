package ratelimit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// logEvery is how often store failures are logged at most.
const logEvery = 10 * time.Second

// storeKey turns a caller's key into the stored key: the prefix, then a
// 128-bit SHA-256 digest of the key. Hashing bounds the size of what an
// attacker-chosen account name can make us store, keeps e-mail addresses
// out of Redis, and removes any {hash tag} a key could carry, so that
// crafted keys cannot pile onto one Redis Cluster slot.
func storeKey(prefix, key string) string {
	sum := sha256.Sum256([]byte(key))
	return prefix + base64.RawURLEncoding.EncodeToString(sum[:16])
}

func checkPrefix(prefix string) error {
	if strings.ContainsAny(prefix, "{}") {
		return fmt.Errorf("%w: Prefix %q contains a Redis Cluster hash tag, which would put every key in one slot", ErrInvalidConfig, prefix)
	}
	return nil
}

// redisCaller runs one Redis call under the check timeout.
type redisCaller struct {
	rdb     redis.UniversalClient
	timeout time.Duration
	// ctxOK is true when the client itself stops at the context's
	// deadline (ContextTimeoutEnabled). Otherwise go-redis waits for its
	// own ReadTimeout (3 s by default) and the call runs in a goroutine
	// that we stop waiting for at the deadline.
	ctxOK bool
}

func newRedisCaller(rdb redis.UniversalClient, timeout time.Duration) redisCaller {
	ok := false
	switch c := rdb.(type) {
	case *redis.Client:
		ok = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		ok = c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		ok = c.Options().ContextTimeoutEnabled
	}
	return redisCaller{rdb: rdb, timeout: timeout, ctxOK: ok}
}

type reply[T any] struct {
	v   T
	err error
}

// callRedis runs f with a context bounded by the check timeout and returns
// by the deadline whatever the client does. A panic in f (a reply of an
// unexpected shape, say from a proxy) becomes an error.
func callRedis[T any](ctx context.Context, c redisCaller, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if c.ctxOK {
		r := safeCall(ctx, f)
		return r.v, r.err
	}
	ch := make(chan reply[T], 1)
	go func() { ch <- safeCall(ctx, f) }()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func safeCall[T any](ctx context.Context, f func(context.Context) (T, error)) (r reply[T]) {
	defer func() {
		if p := recover(); p != nil {
			r = reply[T]{err: fmt.Errorf("unexpected reply from redis: %v", p)}
		}
	}()
	v, err := f(ctx)
	return reply[T]{v: v, err: err}
}

// errStoreFull is the in-process store's answer when it holds
// MaxLocalKeys live keys; it is handled like a Redis failure.
var errStoreFull = errors.New("in-process store is full")

// logGate lets one store-failure message through per logEvery, so that an
// outage at thousands of requests a second does not flood the logs (and
// the log bill); the next message reports how many were suppressed.
type logGate struct {
	next       atomic.Int64 // unix nanoseconds
	suppressed atomic.Int64
}

func (g *logGate) log(ctx context.Context, l *slog.Logger, now time.Time, level slog.Level, msg string, attrs ...slog.Attr) {
	next := g.next.Load()
	if now.UnixNano() < next || !g.next.CompareAndSwap(next, now.Add(logEvery).UnixNano()) {
		g.suppressed.Add(1)
		return
	}
	if n := g.suppressed.Swap(0); n > 0 {
		attrs = append(attrs, slog.Int64("suppressed", n))
	}
	l.LogAttrs(ctx, level, msg, attrs...)
}

// backend is what a Limiter and an Attempts share: where the state lives,
// the failure policy, and the logging of store failures.
type backend struct {
	prefix string
	policy FailurePolicy
	log    *slog.Logger
	now    func() time.Time
	gate   logGate

	rdb   redis.UniversalClient // nil when in process
	redis redisCaller
}

func (b *backend) init(rdb redis.UniversalClient, prefix string, policy, def FailurePolicy,
	logger *slog.Logger, now func() time.Time, timeout time.Duration) error {
	if err := checkPrefix(prefix); err != nil {
		return err
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
	if rdb != nil {
		b.rdb = rdb
		b.redis = newRedisCaller(rdb, cmp.Or(timeout, DefaultTimeout))
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
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}
