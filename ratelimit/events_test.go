package ratelimit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/lambdasec/lambdasec/secevent"

	"github.com/lambdasec/lambdasec/internal/eventtest"
)

// A request the limiter refuses is one excess_rate_limit_exceeded event
// naming the policy, the caller and the route; admitted requests are none.
func TestLimiterEvents(t *testing.T) {
	events := &eventtest.Recorder{}
	l, err := ratelimit.New(ratelimit.Config{Name: "ip", Rate: 1, Burst: 1, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", l.Handler(http.NotFoundHandler()))
	serve := func() int {
		r := httptest.NewRequest("GET", "/items/9", nil)
		r.RemoteAddr = "198.51.100.4:5000"
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		return rec.Code
	}
	if code := serve(); code != http.StatusNotFound {
		t.Fatalf("first request: %d", code)
	}
	if ev := events.Take(); len(ev) != 0 {
		t.Fatalf("events for an admitted request: %v", ev)
	}
	if code := serve(); code != http.StatusTooManyRequests {
		t.Fatalf("second request: %d, want 429", code)
	}
	ev := events.Take()
	if len(ev) != 1 || ev[0].Name != secevent.ExcessRateLimitExceeded || ev[0].Reason != "ip" ||
		ev[0].ClientIP != "198.51.100.4" || ev[0].Route != "GET /items/{id}" {
		t.Fatalf("got %+v, want one excess_rate_limit_exceeded for ip from 198.51.100.4 on GET /items/{id}", ev)
	}
}

// The attempt that finds the key out of failures is an authn_login_lock
// event, without the key.
func TestAttemptsEvents(t *testing.T) {
	events := &eventtest.Recorder{}
	a, err := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Max: 2, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const key = "alice@example.com|203.0.113.9"
	for range 2 {
		if _, err := a.Allow(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := a.Fail(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	if ev := events.Take(); len(ev) != 0 {
		t.Fatalf("events before the limit: %v", ev)
	}
	if _, err := a.Allow(ctx, key); err == nil {
		t.Fatal("third attempt admitted")
	}
	ev := events.Take()
	if len(ev) != 1 || ev[0].Name != secevent.AuthnLoginLock || ev[0].Reason != "max_failures" || ev[0].UserID != "" {
		t.Fatalf("got %+v, want one authn_login_lock without the key", ev)
	}
}

// A store that is down with the policy failing closed answers 503 with
// Retry-After, so a client knows the refusal is brief.
func TestWriteErrorUnavailable(t *testing.T) {
	rec := httptest.NewRecorder()
	ratelimit.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), ratelimit.ErrUnavailable)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("got %d, Retry-After %q; want 503 and 1", rec.Code, rec.Header().Get("Retry-After"))
	}
}
