package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/lambdasec/lambdasec/secevent"
)

// entry holds the cached state of one key. Readers load state without
// locking; mu serialises the writers and the start of fetches.
type entry struct {
	key      key
	state    atomic.Pointer[state]
	lastUsed atomic.Int64 // stamp of the last use, for LRU; see touch
	// fresh is the state hits may serve, without Config.Now: set by a
	// successful fetch, cleared when its TTL ends (see expireAfter) or the
	// value is revoked. With Config.Now, hits read state and the clock.
	fresh atomic.Pointer[state]

	mu     sync.Mutex
	flight *flight // the fetch in flight, if any
}

// state is an immutable snapshot of an entry.
type state struct {
	secret     Secret
	has        bool        // secret holds a fetched value
	freshUntil instant     // never for version ids, which are immutable
	staleUntil instant     // may be served until then if refreshing fails
	timer      *time.Timer // clears entry.fresh at freshUntil; nil with Config.Now or no TTL

	err      error // the last fetch's error, if it failed
	failures int   // consecutive failed fetches
	retryAt  instant
}

// flight is one GetSecretValue in flight, shared by every caller that
// wants the same key meanwhile. secret and err are set before done is
// closed.
type flight struct {
	done   chan struct{}
	secret Secret
	err    error
}

// get is the read path.
func (c *Cache) get(ctx context.Context, k key) (Secret, error) {
	e := c.entries.Load().lookup(k)
	if e != nil {
		if st := c.hitState(e); st != nil {
			c.hit(e)
			return st.secret, nil
		}
	}
	if err := checkID(k); err != nil {
		return Secret{}, err
	}
	return c.miss(ctx, k, e, c.clock())
}

// hitState returns the state a hit on e may serve, nil if there is no
// value within its TTL.
func (c *Cache) hitState(e *entry) *state {
	if c.nowFn == nil {
		return e.fresh.Load()
	}
	if st := e.state.Load(); st != nil && st.has && c.clock() < st.freshUntil {
		return st
	}
	return nil
}

// hit records a hit on e.
func (c *Cache) hit(e *entry) {
	c.touch(e)
	if c.metrics.Hit != nil {
		c.metrics.Hit(e.key.id)
	}
}

// miss answers a caller that found no fresh value: from the cache if a
// fetch finished meanwhile or the cache is backing off, otherwise by
// joining the flight in progress or starting one.
func (c *Cache) miss(ctx context.Context, k key, e *entry, now instant) (Secret, error) {
	if e == nil {
		e = c.entry(k)
	}
	c.touch(e)
	e.mu.Lock()
	st := e.state.Load()
	switch {
	case st != nil && st.has && now < st.freshUntil:
		// Fetched while we were getting here.
		e.mu.Unlock()
		if c.metrics.Hit != nil {
			c.metrics.Hit(k.id)
		}
		return st.secret, nil
	case st != nil && st.err != nil && now < st.retryAt && e.flight == nil:
		// Backing off after a failure: answer from the cache.
		e.mu.Unlock()
		if s, ok := c.stale(st, now); ok {
			return s, nil
		}
		return Secret{}, st.err
	}
	f, leader := e.flight, e.flight == nil
	if leader {
		if ctx.Err() != nil {
			// A caller that has given up does not start network calls.
			e.mu.Unlock()
			return c.gaveUp(ctx, e, true)
		}
		f = e.takeOff()
	}
	e.mu.Unlock()
	if c.metrics.Miss != nil {
		c.metrics.Miss(k.id)
	}
	if leader {
		c.run(ctx, e, f)
	}
	return c.wait(ctx, e, f, true)
}

// join returns e's flight in progress, or starts a new one, for a caller
// that wants a fetch whatever the cache holds (Refresh).
func (c *Cache) join(ctx context.Context, e *entry) *flight {
	e.mu.Lock()
	f, leader := e.flight, e.flight == nil
	if leader {
		f = e.takeOff()
	}
	e.mu.Unlock()
	if leader {
		c.run(ctx, e, f)
	}
	return f
}

// wait waits for f or for ctx to end. allowStale lets it fall back on a
// stale value when the fetch fails or the caller gives up.
func (c *Cache) wait(ctx context.Context, e *entry, f *flight, allowStale bool) (Secret, error) {
	select {
	case <-f.done:
		if f.err == nil {
			return f.secret, nil
		}
		if allowStale {
			if s, ok := c.stale(e.state.Load(), c.clock()); ok {
				return s, nil
			}
		}
		return Secret{}, f.err
	case <-ctx.Done():
		return c.gaveUp(ctx, e, allowStale)
	}
}

// gaveUp answers a caller whose ctx ended before the value came.
func (c *Cache) gaveUp(ctx context.Context, e *entry, allowStale bool) (Secret, error) {
	if allowStale {
		if s, ok := c.stale(e.state.Load(), c.clock()); ok {
			return s, nil
		}
	}
	return Secret{}, fmt.Errorf("secrets: get %s: %w", e.key, context.Cause(ctx))
}

// stale returns st's value if it may still be served past its TTL: within
// MaxStale, and unless Secrets Manager's last answer was a definitive one.
func (c *Cache) stale(st *state, now instant) (Secret, bool) {
	if st == nil || !st.has || now >= st.staleUntil || definitive(st.err) {
		return Secret{}, false
	}
	age := time.Duration(now - st.freshUntil)
	if c.metrics.StaleServed != nil {
		c.metrics.StaleServed(st.secret.ID(), age)
	}
	if c.log.Enabled(context.Background(), slog.LevelDebug) { // during an outage this is every Get
		c.log.Debug("secrets: serving stale value", "secret", st.secret.ID(), "version_id", st.secret.VersionID(), "expired_ago", age, "error", st.err)
	}
	return st.secret, true
}

// definitive reports whether err is Secrets Manager's considered answer
// rather than an outage: the secret is gone or scheduled for deletion, or
// access to it or its key was revoked. Those fail closed at once instead of
// serving the stale value: someone meant to cut the value off.
func definitive(err error) bool {
	return err != nil && (errors.Is(err, ErrNotFound) || errors.Is(err, ErrAccessDenied) ||
		errors.Is(err, ErrDecryption) || errors.Is(err, ErrInvalidRequest))
}

// retire releases what e holds once it has left the index: the expiry
// timer, which would otherwise keep the value in memory until the TTL
// ends. A fetch still in flight for e may set a new one; that one lasts at
// most a TTL.
func (e *entry) retire() {
	e.state.Load().stopTimer()
	e.fresh.Store(nil)
}

// takeOff records a new flight for e. e.mu must be held; once it is
// released, the caller starts the fetch with run.
func (e *entry) takeOff() *flight {
	f := &flight{done: make(chan struct{})}
	e.flight = f
	return f
}

// run starts the fetch of flight f. The fetch keeps ctx's values (trace
// ids) but not its cancellation: other callers may be waiting for it. A
// caller whose ctx can never end cannot give up waiting, so it runs the
// fetch itself and saves a goroutine hand-off; any other caller runs it in
// a goroutine it can walk away from.
func (c *Cache) run(ctx context.Context, e *entry, f *flight) {
	fctx := context.WithoutCancel(ctx)
	if ctx.Done() == nil {
		c.fetch(fctx, e, f)
		return
	}
	go c.fetch(fctx, e, f)
}

// fetch calls Secrets Manager for e's key, records the outcome in e and
// lands flight f.
func (c *Cache) fetch(ctx context.Context, e *entry, f *flight) {
	ctx, cancel := context.WithTimeout(ctx, c.fetchTimeout)
	defer cancel()
	start := c.clock()
	out, err := c.getSecretValue(ctx, e.key)
	now := c.clock()

	st := c.settle(e, f, out, err, now)

	// Report before waking the waiters, so that an event is recorded by the
	// time anyone sees its outcome; wake them even if a hook or the logger
	// panics, or they would wait for ever.
	defer close(f.done)
	c.report(e.key, st, err, time.Duration(now-start), now)
}

// settle stores the outcome of a fetch as e's new state and in f, and
// ends the flight. It returns the new state.
func (c *Cache) settle(e *entry, f *flight, out *secretsmanager.GetSecretValueOutput, err error, now instant) *state {
	k := e.key
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.state.Load()
	st := &state{}
	if err == nil {
		s := secretFrom(k.id, out)
		*st = state{secret: s, has: true, freshUntil: never, staleUntil: never}
		if k.version == "" { // versions are immutable: no TTL
			st.freshUntil = now.add(c.ttl - jitter(c.ttl/10))
			st.staleUntil = st.freshUntil.add(c.maxStale)
		}
		if c.nowFn == nil {
			e.fresh.Store(st)
			if k.version == "" {
				st.timer = e.expireAfter(st, time.Duration(st.freshUntil-now))
			}
		}
		old.stopTimer() // superseded
		f.secret = s
	} else {
		if old != nil {
			*st = *old
		}
		st.err = err
		st.failures++
		st.retryAt = now.add(c.backoff(st.failures))
		if definitive(err) {
			// Secrets Manager said the value is gone or off limits: stop
			// serving it, even within its TTL (a Refresh can get here
			// before the TTL ends).
			st.secret, st.has = Secret{}, false
			e.fresh.Store(nil)
			st.stopTimer()
			st.timer = nil
		}
		f.err = err
	}
	e.state.Store(st)
	e.flight = nil
	return st
}

// report sends the outcome of a fetch to the metrics hooks and the log.
func (c *Cache) report(k key, st *state, err error, took time.Duration, now instant) {
	if err == nil {
		if c.metrics.Refresh != nil {
			c.metrics.Refresh(k.id, took)
		}
		c.log.Debug("secrets: fetched", "secret", k.id, "version_id", st.secret.VersionID(), "took", took)
		return
	}
	if c.metrics.RefreshError != nil {
		c.metrics.RefreshError(k.id, err)
	}
	c.log.Warn("secrets: fetch failed", "secret", k.id, "failures", st.failures, "retry_in", time.Duration(st.retryAt-now), "error", err)
	secevent.Emit(context.Background(), c.events, secevent.Event{
		Name: secevent.SysDependencyFail, Reason: "secrets_manager",
		Attrs: []slog.Attr{slog.String("name", k.id), slog.Int("failures", st.failures)},
	})
}

// getSecretValue calls the client for k, turning a panic into an error.
func (c *Cache) getSecretValue(ctx context.Context, k key) (out *secretsmanager.GetSecretValueOutput, err error) {
	defer func() {
		if recover() != nil {
			out, err = nil, panicError(k)
		}
	}()
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(k.id)}
	if k.version != "" {
		in.VersionId = aws.String(k.version)
	} else {
		in.VersionStage = aws.String(k.stage)
	}
	out, err = c.client.GetSecretValue(ctx, in)
	if err != nil {
		return nil, fetchError(k, err)
	}
	if out == nil {
		return nil, fmt.Errorf("%w: get %s: empty response", ErrUnavailable, k)
	}
	return out, nil
}

// backoff is the wait after the n-th consecutive failure: MinBackoff
// doubling up to MaxBackoff, less up to a fifth as jitter.
func (c *Cache) backoff(n int) time.Duration {
	d := c.minBackoff
	for i := 1; i < n && d < c.maxBackoff; i++ {
		if d > c.maxBackoff/2 { // doubling would pass the cap, or overflow
			d = c.maxBackoff
			break
		}
		d *= 2
	}
	return d - jitter(d/5)
}

// jitter is a random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}
