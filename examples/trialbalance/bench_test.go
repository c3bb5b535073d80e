package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lambdasec/lambdasec/internal/testenv"
)

// BenchmarkHealthz is the cost of the stack around a trivial route: access
// log, per-IP limit (in-process Redis) and routing.
func BenchmarkHealthz(b *testing.B) {
	h, _ := loggedInApp(b, nil)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		// A new address each time, so the 2,000-request budget never runs out.
		r := newRecorderRequest("GET", "/healthz", "", fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255))
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}

// BenchmarkTrialBalance is one authenticated request: token verification
// with the revocation check, query validation, the in-memory ledger and the
// JSON answer.
func BenchmarkTrialBalance(b *testing.B) {
	benchTrialBalance(b, nil)
}

// BenchmarkTrialBalanceRealRedis is the same against the real Redis of
// scripts/test: two round trips (rate limit, revocation check) instead of
// miniredis's in-process Lua interpreter.
func BenchmarkTrialBalanceRealRedis(b *testing.B) {
	benchTrialBalance(b, map[string]string{"REDIS_ADDR": testenv.RedisAddr(b), "REDIS_KEY_PREFIX": uniquePrefix("bench")})
}

func benchTrialBalance(b *testing.B, env map[string]string) {
	h, tok := loggedInApp(b, env)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		r := newRecorderRequest("GET", "/v1/trial-balance?from=2026-01-01&to=2026-03-31", "", fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255))
		r.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			b.Fatalf("got %d", rec.Code)
		}
	}
}

// BenchmarkLogin is a successful login: dominated by argon2id (19 MiB,
// two passes) by design.
func BenchmarkLogin(b *testing.B) {
	h, _ := loggedInApp(b, nil)
	body := credentialsJSON("ada@example.com", goodPassword)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, newRecorderRequest("POST", "/v1/auth/login", body, fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255)))
		if rec.Code != http.StatusOK {
			b.Fatalf("got %d", rec.Code)
		}
	}
}
