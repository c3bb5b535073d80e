package dbconn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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
