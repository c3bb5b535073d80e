package jwks

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambdasec/lambdasec/jwtauth"
)

// Source is a [jwtauth.KeySource] serving one issuer's published keys.
// Create it with [New]; the zero value is not usable. It is safe for
// concurrent use.
//
// All fetches go through one flight at a time: a background refresh, a
// lookup for an unknown kid and [Source.Load] started while another
// fetch runs all wait for that fetch rather than starting their own.
type Source struct {
	s settings

	state       atomic.Pointer[state]
	nextRefresh atomic.Int64 // unix nanoseconds; a refresh is due from then

	mu         sync.Mutex
	cur        *flight   // the fetch under way, or nil
	lastLookup time.Time // start of the last fetch a lookup could cause
	lastErr    error     // of the last failed fetch, or nil
	discovered string    // jwks_uri from discovery; written only by the running flight
}

// state is a key set and when it was fetched.
type state struct {
	set *jwtauth.KeySet
	at  time.Time
}

// flight is one fetch; done closes when it ends, err is then its result.
type flight struct {
	done chan struct{}
	err  error
}

// New validates cfg and returns a Source for its issuer. It fails with
// [ErrInvalidConfig]. It does no I/O: call [Source.Load] at init (at
// Lambda init, so the first request finds the keys), or let the first
// token trigger the fetch.
func New(cfg Config) (*Source, error) {
	st, err := newSettings(cfg)
	if err != nil {
		return nil, err
	}
	return &Source{s: st}, nil
}

// Issuer returns the configured issuer.
func (src *Source) Issuer() string { return src.s.issuer }

// String describes the source by its issuer.
func (src *Source) String() string { return fmt.Sprintf("jwks.Source{Issuer:%q}", src.s.issuer) }

// Load fetches the key set now (after discovery, when configured so) and
// returns the fetch's error, waiting no longer than ctx allows. A fetch
// already under way is joined instead. It ignores MinLookupInterval.
func (src *Source) Load(ctx context.Context) error {
	src.mu.Lock()
	f := src.startLocked()
	src.mu.Unlock()
	return src.wait(ctx, f)
}

// Keys implements [jwtauth.KeySource]: an atomic load, and a background
// refresh once RefreshInterval has passed. It returns nil (no key
// verifies) before the first successful fetch and once the keys are
// older than MaxStale.
func (src *Source) Keys() *jwtauth.KeySet {
	now := src.s.now()
	if now.UnixNano() >= src.nextRefresh.Load() {
		src.mu.Lock()
		if now.UnixNano() >= src.nextRefresh.Load() {
			src.startLocked()
		}
		src.mu.Unlock()
	}
	return src.fresh(now)
}

// fresh returns the key set if it is not older than MaxStale, else nil.
func (src *Source) fresh(now time.Time) *jwtauth.KeySet {
	st := src.state.Load()
	if st == nil || now.Sub(st.at) > src.s.maxStale {
		return nil
	}
	return st.set
}

// Lookup implements [jwtauth.KeySource] for a kid the current set lacks:
// a key rollover at the issuer, or a forged kid. It refetches at most
// once per MinLookupInterval for all callers together, joins a fetch
// already under way, and waits no longer than ctx allows. Inside the
// window it answers with the current set at once, so a flood of unknown
// kids costs no I/O. A failed fetch returns its error; the token is then
// refused as unverifiable rather than as invalid.
func (src *Source) Lookup(ctx context.Context, kid string) (*jwtauth.KeySet, error) {
	if set := src.fresh(src.s.now()); set.Has(kid) {
		return set, nil
	}
	src.mu.Lock()
	f := src.cur
	now := src.s.now()
	if f == nil && now.Sub(src.lastLookup) >= src.s.wait {
		f = src.startLocked()
	}
	lastErr := src.lastErr
	src.mu.Unlock()
	if f == nil { // penalty window: answer from what is held
		set := src.fresh(now)
		if set == nil && lastErr != nil {
			return nil, fmt.Errorf("%w: no current keys: %w", ErrStale, lastErr)
		}
		return set, nil
	}
	err := src.wait(ctx, f)
	return src.fresh(src.s.now()), err
}

// wait waits for f to end or ctx to be done, whichever comes first.
func (src *Source) wait(ctx context.Context, f *flight) error {
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return fmt.Errorf("%w: waiting for %s: %w", ErrFetch, src.s.issuer, ctx.Err())
	}
}

// startLocked returns the fetch under way or starts one. The fetch runs
// on its own context bounded by the fetch timeouts, so that a caller
// giving up does not cancel it for the others. src.mu must be held.
func (src *Source) startLocked() *flight {
	if src.cur != nil {
		return src.cur
	}
	now := src.s.now()
	f := &flight{done: make(chan struct{})}
	src.cur = f
	src.lastLookup = now
	// No second background refresh while this one runs.
	src.nextRefresh.Store(now.Add(src.s.every).UnixNano())
	go src.run(f)
	return f
}

// run performs flight f and publishes its result.
func (src *Source) run(f *flight) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*src.s.timeout)
	defer cancel()
	err := src.fetch(ctx)
	now := src.s.now()
	src.mu.Lock()
	src.cur = nil
	src.lastErr = err
	if err != nil {
		src.nextRefresh.Store(now.Add(src.s.wait).UnixNano())
	}
	src.mu.Unlock()
	if err != nil {
		src.logFailure(now, err)
	}
	f.err = err
	close(f.done)
}

// fetch discovers the jwks_uri when needed, fetches and parses the key
// set and stores it. A failure keeps the keys held so far.
func (src *Source) fetch(ctx context.Context) error {
	uri := src.s.jwksURI
	if uri == "" {
		if src.discovered == "" {
			d, err := src.s.discover(ctx)
			if err != nil {
				return err
			}
			src.discovered = d
		}
		uri = src.discovered
	}
	body, err := src.s.get(ctx, uri)
	if err != nil {
		src.discovered = "" // the keys may have moved: discover again next time
		return err
	}
	set, skipped, err := parseKeySet(body)
	for _, why := range skipped {
		src.s.log.Warn("jwks: key left out", slog.String("issuer", src.s.issuer), slog.Any("reason", why))
	}
	if err != nil {
		return err
	}
	src.state.Store(&state{set: set, at: src.s.now()})
	return nil
}

// logFailure logs a failed fetch: a warning while the held keys still
// serve, an error once none do.
func (src *Source) logFailure(now time.Time, err error) {
	if src.fresh(now) != nil {
		src.s.log.Warn("jwks: fetch failed; serving the keys held", slog.String("issuer", src.s.issuer), slog.Any("error", err))
		return
	}
	src.s.log.Error("jwks: fetch failed and no current keys; tokens of this issuer are refused",
		slog.String("issuer", src.s.issuer), slog.Any("error", err))
}
