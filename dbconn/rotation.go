package dbconn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// refreshTimeout bounds a shared credential refresh. It runs detached from
// the goroutine that started it, so that goroutine giving up does not fail
// the others waiting for the same result; and it ends on its own timer, not
// only through its context, so that a provider that ignores the context
// cannot keep every later refused login waiting on it.
const refreshTimeout = 10 * time.Second

// refresher hands out credentials and, after a refused login, fetches them
// again once for all goroutines that saw the refusal.
type refresher struct {
	current CredentialsFunc
	refresh CredentialsFunc // nil for a static password
	pending CredentialsFunc // may be nil
	timeout time.Duration   // zero: refreshTimeout; tests shorten it

	mu      sync.Mutex
	gen     uint64      // completed refreshes
	latest  Credentials // result of the last refresh
	refused Credentials // what the server refused before that refresh
	flight  *flight
}

type flight struct {
	done chan struct{}
	cr   Credentials
	err  error
}

func (r *refresher) generation() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gen
}

// substitute returns the refreshed credentials when cr is what the server
// refused before the last refresh: a provider whose cache has not caught
// up would otherwise cost every new connection a refused login.
func (r *refresher) substitute(cr Credentials) Credentials {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gen > 0 && cr.equal(r.refused) && !r.latest.equal(cr) {
		return r.latest
	}
	return cr
}

// refreshed returns credentials fetched after generation seen, to replace
// refused: the result of a refresh that completed since, or of the one in
// flight, or of a new one. It returns the generation of the result. A
// caller whose ctx ends stops waiting at once; the refresh goes on for the
// others.
func (r *refresher) refreshed(ctx context.Context, seen uint64, refused Credentials) (Credentials, uint64, error) {
	r.mu.Lock()
	if r.gen > seen {
		cr, g := r.latest, r.gen
		r.mu.Unlock()
		return cr, g, nil
	}
	f := r.flight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		r.flight = f
		go r.run(context.WithoutCancel(ctx), f, refused)
	}
	r.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return Credentials{}, seen, f.err
		}
		return f.cr, r.generation(), nil
	case <-ctx.Done():
		return Credentials{}, seen, ctx.Err()
	}
}

// run performs flight f. The provider runs on a goroutine of its own and
// run stops waiting for it when the timeout fires, whether or not it
// honours ctx: the flight then ends with an error and the next refused
// login starts a new one. A provider that never returns leaks only its own
// goroutine, whose result is dropped.
func (r *refresher) run(ctx context.Context, f *flight, refused Credentials) {
	timeout := cmp.Or(r.timeout, refreshTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		cr  Credentials
		err error
	}
	done := make(chan result, 1) // buffered: a late provider does not block
	go func() {
		cr, err := callProvider(ctx, r.refresh)
		done <- result{cr, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var res result
	select {
	case res = <-done:
	case <-timer.C:
		res.err = fmt.Errorf("the credentials provider did not return within %v", timeout)
	}
	cr, err := res.cr, res.err
	r.mu.Lock()
	r.flight = nil
	if err == nil {
		r.gen++
		r.latest, r.refused = cr, refused
	}
	f.cr, f.err = cr, err
	r.mu.Unlock()
	close(f.done)
}

// callProvider runs a credentials provider, turning a panic (a secret
// without the expected keys is a common cause) into an error: providers run
// on database/sql's goroutines and on the refresher's, where a panic would
// end the process. The panic value is dropped; it could hold the password.
func callProvider(ctx context.Context, f CredentialsFunc) (cr Credentials, err error) {
	defer func() {
		if recover() != nil {
			cr, err = Credentials{}, errors.New("dbconn: the credentials provider panicked")
		}
	}()
	return f(ctx)
}

// retryRefused retries a login the server refused (a), up to
// Config.LoginRetries rounds while ctx allows: each round fetches
// credentials again (one fetch shared by all goroutines, see refreshed),
// tries them if they changed, then the pending credentials if configured.
// gen is the refresh generation cr was obtained in. It returns the last
// attempt; when ctx ends during the retries, that is the last refusal.
func (c *Connector) retryRefused(ctx context.Context, gen uint64, cr Credentials, a attempt) attempt {
	for round := 0; isAccessDenied(a.err) && round < c.retries; round++ {
		if round > 0 && !c.backoff(ctx, round) {
			break
		}
		c.log.WarnContext(ctx, "dbconn: login refused, fetching credentials again",
			"addr", a.ep.addr(), "user", cr.User, "round", round+1)
		fresh, g, err := c.creds.refreshed(ctx, gen, cr)
		if err != nil {
			if ctx.Err() != nil {
				break // out of time: the refusal is the answer
			}
			return attempt{ep: a.ep, err: fmt.Errorf("%w: refresh after refused login: %w (login error: %v)", ErrCredentials, err, explain(a.err, a.ep, c.iam != nil))}
		}
		gen = g
		var done bool
		switch {
		case !fresh.equal(cr):
			cr = fresh
			if a, done = c.retryWith(ctx, cr, a); done {
				return a
			}
		case c.creds.pending == nil:
			return a // nothing new to try: a wrong static password, say
		}
		if a, done = c.tryPending(ctx, cr, a); done {
			return a
		}
	}
	return a
}

// retryWith logs in with refreshed credentials cr after the refusal
// refused. It reports done unless the server refused them too.
func (c *Connector) retryWith(ctx context.Context, cr Credentials, refused attempt) (a attempt, done bool) {
	a = c.login(ctx, cr)
	if a.err != nil && !isAccessDenied(a.err) && ctx.Err() != nil {
		// The deadline cut this retry short: report the refusal, not the
		// deadline, which says nothing about the cause.
		a = refused
	}
	return a, !isAccessDenied(a.err)
}

// tryPending logs in with the pending credentials, if configured and
// different from cr, the credentials last refused (a). It reports done
// when that settles the answer: a login, an error other than a refusal, or
// ctx ending (a then stays the refusal).
func (c *Connector) tryPending(ctx context.Context, cr Credentials, a attempt) (attempt, bool) {
	if c.creds.pending == nil {
		return a, false
	}
	p, err := callProvider(ctx, c.creds.pending)
	if err != nil {
		c.log.WarnContext(ctx, "dbconn: pending credentials unavailable", "err", err)
		return a, false
	}
	if p.equal(cr) || (p.User == "" && p.Password() == "") {
		return a, false
	}
	pa := c.login(ctx, p)
	switch {
	case pa.err == nil:
		c.log.InfoContext(ctx, "dbconn: logged in with pending credentials (rotation in progress)",
			"addr", pa.ep.addr(), "user", p.User)
		return pa, true
	case isAccessDenied(pa.err):
		return a, false
	case ctx.Err() != nil:
		return a, true // out of time, as above: a still holds the refusal
	}
	return pa, true
}

// backoff waits before retry round (1, 2, ...): 100 ms doubling to at most
// 2 s, with jitter so that environments refused together do not retry
// together. It returns false, without waiting, when the wait would not fit
// in ctx's deadline.
func (c *Connector) backoff(ctx context.Context, round int) bool {
	d := min(100*time.Millisecond<<(round-1), 2*time.Second)
	d = d/2 + rand.N(d/2+1)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
