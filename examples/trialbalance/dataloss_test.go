package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/testenv"
)

// Redis is killed and comes back empty (no persistence), as a cache node
// without replicas does. Every token logged out before is replayed over
// HTTP: all are refused, and so are the tokens that were still live
// (issued before the loss, their revocations could have been lost too);
// users log in again and carry on. The failed-login guard counts half of
// each account's failures as used.
func TestLogoutSurvivesEmptyRestart(t *testing.T) {
	srv := testenv.StartRedis(t)
	s := newTestServer(t, map[string]string{"REDIS_ADDR": srv.Addr()})
	const users = 20
	var loggedOut, live []string
	for i := range users {
		email := fmt.Sprintf("replay-%d@example.com", i)
		s.register(email, goodPassword)
		for round := range 2 {
			tok := s.login(email, goodPassword)
			if round == 0 {
				if res := s.post("/v1/auth/logout", "", bearer(tok)...); res.status != http.StatusNoContent {
					t.Fatalf("logout: %d %s", res.status, res.body)
				}
				loggedOut = append(loggedOut, tok)
			} else {
				live = append(live, tok)
			}
		}
	}
	for _, tok := range loggedOut {
		if status := s.balance(tok); status != http.StatusUnauthorized {
			t.Fatalf("logged-out token before the restart: %d, want 401", status)
		}
	}
	// An attacker uses the victim's 10 failures.
	s.register(victim, goodPassword)
	if n := s.wrongLogins(victim, 20); n != 10 {
		t.Fatalf("before the restart: %d wrong passwords checked, want 10", n)
	}

	srv.Stop()
	srv.Start()

	// The first requests may find the client reconnecting (503); none
	// may be let through.
	replay := func(tok string) int {
		for range 100 {
			if status := s.balance(tok); status != http.StatusServiceUnavailable {
				return status
			}
			time.Sleep(50 * time.Millisecond)
		}
		return http.StatusServiceUnavailable
	}
	refused := 0
	for _, tok := range loggedOut {
		if status := replay(tok); status == http.StatusUnauthorized {
			refused++
		} else {
			t.Errorf("logged-out token after an empty restart: %d, want 401", status)
		}
	}
	for _, tok := range live {
		if status := replay(tok); status != http.StatusUnauthorized {
			t.Errorf("token issued before the loss: %d, want 401", status)
		}
	}
	t.Logf("%d of %d logged-out tokens refused after the restart", refused, len(loggedOut))
	if !strings.Contains(s.logs.String(), `"reason":"revocation_store_lost"`) {
		t.Error("the loss was not reported")
	}
	// The failed-login guard lost the victim's failures and counts half
	// of them as used: the attacker gets 5 more guesses, not 10.
	if n := s.wrongLogins(victim, 20); n != 5 {
		t.Errorf("after the restart: %d more wrong passwords checked, want 5", n)
	}
	if !strings.Contains(s.logs.String(), `"reason":"ratelimit_store_lost"`) {
		t.Error("the guard's loss was not reported")
	}

	// The not-before is the next whole second after the loss was found.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	tok := s.login("replay-0@example.com", goodPassword)
	if status := s.balance(tok); status != http.StatusOK {
		t.Errorf("token issued after the recovery: %d, want 200", status)
	}
}

const victim = "victim@example.com"

// wrongLogins tries n wrong passwords for email and returns how many were
// checked (401) before the guard refused (429).
func (s *testServer) wrongLogins(email string, n int) int {
	s.t.Helper()
	checked := 0
	for range n {
		switch res := s.post("/v1/auth/login", credentialsJSON(email, "Wr0ng-password!")); res.status {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
		default:
			s.t.Fatalf("wrong password: %d %s", res.status, res.body)
		}
	}
	return checked
}

// balance reads the trial balance with tok and returns the status.
func (s *testServer) balance(tok string) int {
	s.t.Helper()
	return s.do(http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-01-31", "", bearer(tok)...).status
}
