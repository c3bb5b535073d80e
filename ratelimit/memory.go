package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// memStore is the in-process store used when no Redis client is
// configured. It only limits within one process: each Lambda execution
// environment would count on its own.
//
// Memory is bounded: expired keys are swept when the map has doubled since
// the last sweep, and when maxKeys live keys remain the store reports
// errStoreFull, which the failure policy then handles. While it is full,
// a new key sweeps at most once per fullSweepEvery: a sweep walks every
// key under the lock, and a client that can fill the store (a flood of
// addresses) must not make every later request pay for a walk.
type memStore[V any] struct {
	mu        sync.Mutex
	m         map[string]V
	maxKeys   int
	nextSweep int
	fullUntil time.Time // no sweep for a new key before this while full
	expired   func(v V, now time.Time) bool
}

// fullSweepEvery bounds how often a full store looks for expired keys.
const fullSweepEvery = time.Second

func newMemStore[V any](maxKeys int, expired func(V, time.Time) bool) *memStore[V] {
	return &memStore[V]{m: make(map[string]V), maxKeys: maxKeys, nextSweep: 1024, expired: expired}
}

// room makes space for one more key, if it is new. Called with mu held.
func (s *memStore[V]) room(key string, now time.Time) error {
	if _, ok := s.m[key]; ok {
		return nil
	}
	if len(s.m) >= s.nextSweep || len(s.m) >= s.maxKeys && !now.Before(s.fullUntil) {
		for k, v := range s.m {
			if s.expired(v, now) {
				delete(s.m, k)
			}
		}
		s.nextSweep = max(2*len(s.m), 1024)
		if len(s.m) >= s.maxKeys {
			s.fullUntil = now.Add(fullSweepEvery)
		}
	}
	if len(s.m) >= s.maxKeys {
		return errStoreFull
	}
	return nil
}

// memRate is the rateStore in process.
type memRate struct {
	alg gcra
	mem *memStore[time.Time]
	now func() time.Time
}

func (s *memRate) allow(_ context.Context, key string) (Result, error) {
	return s.alg.allow(s.mem, key, s.now())
}

// memAttempts is the attemptStore in process.
type memAttempts struct {
	alg slidingLog
	mem *memStore[[]attempt]
	now func() time.Time
}

func (s *memAttempts) apply(_ context.Context, key string, op attemptOp) (Result, error) {
	now := s.now()
	switch op {
	case opAllow:
		return s.alg.allow(s.mem, key, now)
	case opFail:
		return Result{}, s.alg.fail(s.mem, key, now)
	case opReset:
		s.alg.reset(s.mem, key, now)
		return Result{}, nil
	case opCancel:
		s.alg.cancel(s.mem, key, now)
		return Result{}, nil
	}
	return Result{}, fmt.Errorf("unknown attempts operation %q", op)
}

// gcra is the generic cell rate algorithm as gcraScript runs it in Redis,
// so that both stores give the same answers: each request moves the
// theoretical arrival time (tat) on by one emission interval, and a request
// is refused when that would put tat more than the burst ahead of now.
type gcra struct {
	limit    int
	burst    int
	period   time.Duration
	emission time.Duration
}

func newGCRA(rate, burst int, period time.Duration) gcra {
	return gcra{limit: rate, burst: burst, period: period, emission: period / time.Duration(rate)}
}

func (g gcra) allow(s *memStore[time.Time], key string, now time.Time) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.room(key, now); err != nil {
		return Result{}, err
	}
	tat, ok := s.m[key]
	if !ok || tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(g.emission)
	allowAt := newTAT.Add(-g.emission * time.Duration(g.burst))
	diff := now.Sub(allowAt)
	res := Result{Limit: g.limit, Period: g.period}
	if diff < 0 {
		res.RetryAfter = -diff
		res.ResetAfter = tat.Sub(now)
		return res, nil
	}
	s.m[key] = newTAT
	res.Remaining = int(diff / g.emission)
	res.ResetAfter = newTAT.Sub(now)
	return res, nil
}

func tatExpired(tat, now time.Time) bool { return !tat.After(now) }

// attempt is one entry of a failed-login log: a failure, or an admitted
// attempt whose outcome is not known yet (pending), with its expiry. Both
// count alike and last a whole window.
type attempt struct {
	exp     time.Time
	pending bool
}

func attemptsExpired(log []attempt, now time.Time) bool {
	for _, a := range log {
		if a.exp.After(now) {
			return false
		}
	}
	return true
}

// slidingLog is the failed-login algorithm, run the same way by
// attemptsScript in Redis: a log of at most max entries per key, each
// expiring on its own, so that no window of the configured length ever
// holds more than max failures.
type slidingLog struct {
	max    int
	window time.Duration
}

func live(log []attempt, now time.Time) []attempt {
	out := log[:0]
	for _, a := range log {
		if a.exp.After(now) {
			out = append(out, a)
		}
	}
	return out
}

func (l slidingLog) allow(s *memStore[[]attempt], key string, now time.Time) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.room(key, now); err != nil {
		return Result{}, err
	}
	log := live(s.m[key], now)
	res := Result{Limit: l.max, Period: l.window}
	if len(log) >= l.max {
		// Sorted by expiry: the entry at len-max must expire before one
		// more attempt fits.
		res.RetryAfter = log[len(log)-l.max].exp.Sub(now)
		res.ResetAfter = log[len(log)-1].exp.Sub(now)
		s.m[key] = log
		return res, nil
	}
	log = insert(log, attempt{exp: now.Add(l.window), pending: true})
	s.m[key] = log
	res.Remaining = l.max - len(log)
	res.ResetAfter = log[len(log)-1].exp.Sub(now)
	return res, nil
}

func (l slidingLog) fail(s *memStore[[]attempt], key string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.room(key, now); err != nil {
		return err
	}
	log := dropPending(live(s.m[key], now))
	log = insert(log, attempt{exp: now.Add(l.window)})
	if n := len(log) - l.max; n > 0 {
		// The oldest would expire first anyway: dropping them changes no
		// decision and bounds the log.
		log = append(log[:0], log[n:]...)
	}
	s.m[key] = log
	return nil
}

// reset resolves one pending attempt as a success and forgets the
// failures; other pending attempts keep counting.
func (l slidingLog) reset(s *memStore[[]attempt], key string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	log := dropPending(live(s.m[key], now))
	kept := log[:0]
	for _, a := range log {
		if a.pending {
			kept = append(kept, a)
		}
	}
	if len(kept) == 0 {
		delete(s.m, key)
	} else {
		s.m[key] = kept
	}
}

// cancel takes back one pending attempt; failures stay.
func (l slidingLog) cancel(s *memStore[[]attempt], key string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	log := dropPending(live(s.m[key], now))
	if len(log) == 0 {
		delete(s.m, key)
	} else {
		s.m[key] = log
	}
}

// dropPending removes the newest pending entry, the one most likely to be
// the caller's own.
func dropPending(log []attempt) []attempt {
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].pending {
			return append(log[:i], log[i+1:]...)
		}
	}
	return log
}

// insert adds a keeping the log sorted by expiry.
func insert(log []attempt, a attempt) []attempt {
	i := len(log)
	for i > 0 && log[i-1].exp.After(a.exp) {
		i--
	}
	log = append(log, attempt{})
	copy(log[i+1:], log[i:])
	log[i] = a
	return log
}
