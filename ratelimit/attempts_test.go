package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/ratelimit"
)

func TestNewAttemptsRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  ratelimit.AttemptsConfig
	}{
		{"negative max", ratelimit.AttemptsConfig{Max: -1}},
		{"negative window", ratelimit.AttemptsConfig{Window: -time.Minute}},
		{"window under 1ms", ratelimit.AttemptsConfig{Window: time.Microsecond}},
		{"hash tag prefix", ratelimit.AttemptsConfig{Prefix: "login:{x}:"}},
		{"unknown policy", ratelimit.AttemptsConfig{OnStoreError: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ratelimit.NewAttempts(tc.cfg); !errors.Is(err, ratelimit.ErrInvalidConfig) {
				t.Fatalf("got %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func newAttempts(t *testing.T, st store, c *clock, cfg ratelimit.AttemptsConfig) *ratelimit.Attempts {
	t.Helper()
	cfg.Redis = st.redis(t, c)
	cfg.Now = c.Now
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	a, err := ratelimit.NewAttempts(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAttemptsDefaults(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			c := newClock()
			a := newAttempts(t, st, c, ratelimit.AttemptsConfig{})
			ctx := context.Background()
			for i := range 10 {
				res, err := a.Allow(ctx, "alice")
				if err != nil {
					t.Fatalf("attempt %d: %v", i+1, err)
				}
				if res.Remaining != 9-i || res.Limit != 10 || res.Period != 15*time.Minute {
					t.Errorf("attempt %d: %+v", i+1, res)
				}
				if err := a.Fail(ctx, "alice"); err != nil {
					t.Fatal(err)
				}
				c.Advance(time.Minute)
			}
			// Ten failures at 0..9 min. At 10 min the oldest expires at 15.
			res, err := a.Allow(ctx, "alice")
			var le *ratelimit.LimitError
			if !errors.As(err, &le) || !errors.Is(err, ratelimit.ErrLimited) {
				t.Fatalf("11th attempt: %v, want LimitError", err)
			}
			if res.RetryAfter != 5*time.Minute || le.Result.RetryAfter != 5*time.Minute || res.ResetAfter != 14*time.Minute {
				t.Errorf("RetryAfter %v, ResetAfter %v; want 5m, 14m", res.RetryAfter, res.ResetAfter)
			}
			if _, err := a.Allow(ctx, "bob"); err != nil {
				t.Errorf("other key: %v", err)
			}
			c.Advance(5*time.Minute - time.Millisecond)
			if _, err := a.Allow(ctx, "alice"); !errors.Is(err, ratelimit.ErrLimited) {
				t.Errorf("1ms early: %v", err)
			}
			c.Advance(time.Millisecond)
			if _, err := a.Allow(ctx, "alice"); err != nil {
				t.Errorf("after the oldest expired: %v", err)
			}
			if err := a.Reset(ctx, "alice"); err != nil {
				t.Fatal(err)
			}
			// The only entry is the new attempt: it counts for a whole
			// window until it is resolved.
			if res, err := a.Allow(ctx, "alice"); err != nil || res.Remaining != 9 || res.ResetAfter != 15*time.Minute {
				t.Errorf("after Reset: %+v, %v", res, err)
			}
		})
	}
}

// TestAttemptsWindowHoldsAtMostMax sends a failure every 30 s for an hour
// and checks that no 15-minute window ever holds more than Max failures.
// GCRA with a burst of 10 would let 19 through in one window.
func TestAttemptsWindowHoldsAtMostMax(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			c := newClock()
			a := newAttempts(t, st, c, ratelimit.AttemptsConfig{})
			ctx := context.Background()
			var failures []time.Time
			for range 120 {
				if _, err := a.Allow(ctx, "k"); err == nil {
					if err := a.Fail(ctx, "k"); err != nil {
						t.Fatal(err)
					}
					failures = append(failures, c.Now())
				} else if !errors.Is(err, ratelimit.ErrLimited) {
					t.Fatal(err)
				}
				c.Advance(30 * time.Second)
			}
			for i := range failures {
				n := 0
				for _, f := range failures[i:] {
					if f.Sub(failures[i]) < 15*time.Minute {
						n++
					}
				}
				if n > 10 {
					t.Fatalf("%d failures in the 15 minutes from %v", n, failures[i])
				}
			}
			if len(failures) != 40 { // 10 per 15 minutes for an hour
				t.Errorf("%d failures in an hour, want 40", len(failures))
			}
		})
	}
}

// TestAttemptsRace is the single-packet attack: many guesses arrive
// together, all pass a check-then-count guard before the first failure is
// counted. Allow must reserve, so only Max get through.
func TestAttemptsRace(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			c := newClock()
			a := newAttempts(t, st, c, ratelimit.AttemptsConfig{})
			admitted := together(t, 100, func(int) error { return guess(a, "victim") })
			if admitted != 10 {
				t.Errorf("%d guesses admitted, want 10", admitted)
			}
		})
	}
}

// TestAttemptsUnresolvedCountsForWindow checks that an admitted attempt
// whose outcome is never reported (the handler crashed, the Fail call was
// lost) counts as a failure for the whole window.
func TestAttemptsUnresolvedCountsForWindow(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			c := newClock()
			a := newAttempts(t, st, c, ratelimit.AttemptsConfig{Max: 2, Window: time.Hour})
			ctx := context.Background()
			a.Allow(ctx, "k") // outcome never reported
			a.Allow(ctx, "k")
			res, err := a.Allow(ctx, "k")
			if !errors.Is(err, ratelimit.ErrLimited) || res.RetryAfter != time.Hour {
				t.Fatalf("while unresolved: %+v, %v; want RetryAfter 1h", res, err)
			}
			c.Advance(time.Hour - time.Millisecond)
			if _, err := a.Allow(ctx, "k"); !errors.Is(err, ratelimit.ErrLimited) {
				t.Errorf("1ms before the window ends: %v", err)
			}
			c.Advance(time.Millisecond)
			if _, err := a.Allow(ctx, "k"); err != nil {
				t.Errorf("after the window: %v", err)
			}
		})
	}
}

// TestAttemptsFailWithoutAllow records more failures than Max without
// Allow: the log is trimmed to Max and the wait stays right.
func TestAttemptsFailWithoutAllow(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			c := newClock()
			a := newAttempts(t, st, c, ratelimit.AttemptsConfig{Max: 3, Window: time.Minute})
			ctx := context.Background()
			for range 5 {
				if err := a.Fail(ctx, "k"); err != nil {
					t.Fatal(err)
				}
				c.Advance(time.Second)
			}
			// Failures at 0..4 s; the one at 2 s must expire (at 62 s) before
			// a fourth fits in the minute.
			res, err := a.Allow(ctx, "k")
			if !errors.Is(err, ratelimit.ErrLimited) || res.RetryAfter != 57*time.Second {
				t.Errorf("got %+v, %v; want RetryAfter 57s", res, err)
			}
		})
	}
}

func TestAttemptsStoreFailure(t *testing.T) {
	tests := []struct {
		name    string
		policy  ratelimit.FailurePolicy
		wantErr error
	}{
		{"default fails closed", 0, ratelimit.ErrUnavailable},
		{"fail closed", ratelimit.FailClosed, ratelimit.ErrUnavailable},
		{"fail open", ratelimit.FailOpen, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			m, rdb := c.miniRedis(t)
			var logs logBuffer
			a, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Redis: rdb, OnStoreError: tc.policy, Logger: logs.logger()})
			m.SetError("READONLY You can't write against a read only replica.")
			if _, err := a.Allow(context.Background(), "alice@example.com"); !errors.Is(err, tc.wantErr) {
				t.Errorf("Allow: %v, want %v", err, tc.wantErr)
			}
			// Fail and Reset report the failure whatever the policy.
			if err := a.Fail(context.Background(), "alice@example.com"); !errors.Is(err, ratelimit.ErrUnavailable) {
				t.Errorf("Fail: %v", err)
			}
			if err := a.Reset(context.Background(), "alice@example.com"); !errors.Is(err, ratelimit.ErrUnavailable) {
				t.Errorf("Reset: %v", err)
			}
			if logs.String() == "" || strings.Contains(logs.String(), "alice") {
				t.Errorf("log must report the failure without the key:\n%s", logs.String())
			}
		})
	}
}

// loginHandler is the login guard as the package documents it.
func loginHandler(guard *ratelimit.Attempts, password string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		account := r.PostFormValue("account")
		if _, err := guard.Allow(r.Context(), account); err != nil {
			ratelimit.WriteError(w, r, err)
			return
		}
		if r.PostFormValue("password") != password {
			guard.Fail(r.Context(), account)
			http.Error(w, "wrong account or password", http.StatusUnauthorized)
			return
		}
		guard.Reset(r.Context(), account)
		w.WriteHeader(http.StatusNoContent)
	})
}

func TestLoginGuard(t *testing.T) {
	c := newClock()
	guard, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Now: c.Now})
	h := loginHandler(guard, "correct horse")
	login := func(pw string) *httptest.ResponseRecorder {
		body := url.Values{"account": {"alice"}, "password": {pw}}.Encode()
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := login("correct horse"); w.Code != http.StatusNoContent {
		t.Fatalf("right password: %d", w.Code)
	}
	for i := range 10 {
		if w := login(fmt.Sprint("guess", i)); w.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, w.Code)
		}
	}
	w := login("correct horse")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "900" {
		t.Fatalf("right password while locked: %d, Retry-After %q; want 429, 900", w.Code, w.Header().Get("Retry-After"))
	}
	if w.Header().Get("RateLimit-Policy") != "" {
		t.Error("the login policy is advertised")
	}
	c.Advance(15 * time.Minute)
	if w := login("correct horse"); w.Code != http.StatusNoContent {
		t.Fatalf("after the window: %d", w.Code)
	}
	// Success forgot the failures: ten more guesses are allowed.
	for i := range 10 {
		if w := login("x"); w.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d after success: %d", i, w.Code)
		}
	}
}

// TestAttemptsFailOutlivesClient checks that a failure is recorded even
// when the request's context was cancelled while the password was being
// checked, as net/http does when the client hangs up: an attacker must not
// be able to keep its guesses off the record by disconnecting.
func TestAttemptsFailOutlivesClient(t *testing.T) {
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			c := newClock()
			a := newAttempts(t, st, c, ratelimit.AttemptsConfig{Max: 2})
			for i := range 2 {
				ctx, cancel := context.WithCancel(context.Background())
				cancel() // the client hung up during the password check
				if err := a.Fail(ctx, "alice"); err != nil {
					t.Fatalf("attempt %d: Fail: %v", i, err)
				}
			}
			if _, err := a.Allow(context.Background(), "alice"); !errors.Is(err, ratelimit.ErrLimited) {
				t.Errorf("third attempt: %v, want ErrLimited", err)
			}
		})
	}
}
