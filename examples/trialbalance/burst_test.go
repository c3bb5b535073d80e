//go:build !race

// Under the race detector argon2id and the Redis client run several times
// slower on the same cores, so a burst would measure the detector, not the
// service: this file is built only without it, and scripts/test runs it in
// a step of its own.

package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/lambdasec/lambdasec/internal/testenv"
)

// A burst of logins keeps the password hasher busy on every core it may
// use. The Redis calls on the same path (the failed-login guard before
// and after the hash, the revocation check of the token) must still meet
// their deadlines: a burst of right passwords gets no 503, in process and
// against a real Redis server.
func TestLoginBurst(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  func(t *testing.T) map[string]string
	}{
		{"in-process redis", func(*testing.T) map[string]string { return nil }},
		{"redis", func(t *testing.T) map[string]string {
			var b [6]byte
			rand.Read(b[:])
			return map[string]string{"REDIS_ADDR": testenv.RedisAddr(t), "REDIS_KEY_PREFIX": "burst-" + hex.EncodeToString(b[:]) + ":"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, tc.env(t))
			counts := loginBurst(t, s, 64, 3)
			t.Logf("answers: %v", counts)
			for k, n := range counts {
				if strings.HasSuffix(k, " 503") {
					t.Errorf("%d answers %s under a login burst, want none", n, k)
				}
			}
			if counts["login 200"] != 64*3 || counts["trial-balance 200"] != 64*3 || counts["logout 204"] != 64*3 {
				t.Errorf("answers %v, want every login, check and logout to succeed", counts)
			}
		})
	}
}

// loginBurst registers one account per four clients, then has clients
// goroutines log in, read the trial balance and log out rounds times at
// once, and counts the answers by route and status.
func loginBurst(t *testing.T, s *testServer, clients, rounds int) map[string]int {
	t.Helper()
	accounts := clients / 4
	for i := range accounts {
		s.register(fmt.Sprintf("burst-%d@example.com", i), goodPassword)
	}
	var mu sync.Mutex
	counts := map[string]int{}
	count := func(route string, status int) {
		mu.Lock()
		counts[fmt.Sprintf("%s %d", route, status)]++
		mu.Unlock()
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for c := range clients {
		wg.Go(func() {
			<-start
			email := fmt.Sprintf("burst-%d@example.com", c%accounts)
			for range rounds {
				status, body := call(s.url, http.MethodPost, "/v1/auth/login", credentialsJSON(email, goodPassword), "")
				count("login", status)
				var tok tokenResponse
				if status != http.StatusOK || json.Unmarshal(body, &tok) != nil {
					continue
				}
				status, _ = call(s.url, http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-01-31", "", tok.AccessToken)
				count("trial-balance", status)
				status, _ = call(s.url, http.MethodPost, "/v1/auth/logout", "", tok.AccessToken)
				count("logout", status)
			}
		})
	}
	close(start)
	wg.Wait()
	return counts
}

// call sends one request from a burst goroutine (no t.Fatal there); a
// transport error counts as status 0.
func call(base, method, path, body, token string) (int, []byte) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return 0, nil
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}
