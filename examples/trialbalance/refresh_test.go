package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/internal/testenv"
)

// loginTokens logs in and returns the whole answer.
func (s *testServer) loginTokens(email, password string) tokenResponse {
	s.t.Helper()
	res := s.post("/v1/auth/login", credentialsJSON(email, password))
	if res.status != http.StatusOK {
		s.t.Fatalf("login %s: got %d %s", email, res.status, res.body)
	}
	return s.tokens(res)
}

func (s *testServer) tokens(res response) tokenResponse {
	s.t.Helper()
	var tk tokenResponse
	if err := json.Unmarshal(res.body, &tk); err != nil {
		s.t.Fatal(err)
	}
	if res.header.Get("Cache-Control") != "no-store" {
		s.t.Errorf("token answer without Cache-Control: no-store")
	}
	return tk
}

func refreshBody(tok string) string {
	b, _ := json.Marshal(map[string]string{"refresh_token": tok})
	return string(b)
}

// refreshFlow drives sessions over HTTP: login, rotation, grace retry,
// reuse, logout.
func refreshFlow(t *testing.T, s *testServer) {
	const tb = "/v1/trial-balance?from=2026-01-01&to=2026-12-31"
	s.register("ada@example.com", goodPassword)
	login := s.loginTokens("ada@example.com", goodPassword)
	if len(login.RefreshToken) != 86 || login.RefreshExpiresIn < 6*24*3600 || login.ExpiresIn != 900 {
		t.Fatalf("login answer: refresh token of %d chars, refresh_expires_in %d, expires_in %d",
			len(login.RefreshToken), login.RefreshExpiresIn, login.ExpiresIn)
	}
	get := func(what, access string, want int) {
		t.Helper()
		if res := s.do(http.MethodGet, tb, "", bearer(access)...); res.status != want {
			t.Errorf("%s: got %d, want %d", what, res.status, want)
		}
	}
	refresh := func(what, tok string, want int) tokenResponse {
		t.Helper()
		res := s.post("/v1/auth/refresh", refreshBody(tok))
		if res.status != want {
			t.Fatalf("%s: got %d %s, want %d", what, res.status, res.body, want)
		}
		if want != http.StatusOK {
			problemOf(t, res)
			return tokenResponse{}
		}
		return s.tokens(res)
	}
	next := refresh("refresh", login.RefreshToken, http.StatusOK)
	if next.RefreshToken == login.RefreshToken || next.AccessToken == login.AccessToken || next.TokenType != "Bearer" {
		t.Fatal("refresh returned the old tokens")
	}
	get("new access token", next.AccessToken, http.StatusOK)
	// A retry right away (the answer was lost): the same pair.
	if again := refresh("retry within grace", login.RefreshToken, http.StatusOK); again.RefreshToken != next.RefreshToken || again.AccessToken != next.AccessToken {
		t.Error("retry within the grace period returned another pair")
	}
	third := refresh("second refresh", next.RefreshToken, http.StatusOK)
	// The first token is now two generations old: stolen. The whole
	// session ends.
	refresh("reused refresh token", login.RefreshToken, http.StatusUnauthorized)
	refresh("newest refresh token after reuse", third.RefreshToken, http.StatusUnauthorized)
	get("session's access token after reuse", third.AccessToken, http.StatusUnauthorized)

	// Logout ends its session only.
	a := s.loginTokens("ada@example.com", goodPassword)
	b := s.loginTokens("ada@example.com", goodPassword)
	if res := s.post("/v1/auth/logout", "", bearer(a.AccessToken)...); res.status != http.StatusNoContent {
		t.Fatalf("logout: got %d %s", res.status, res.body)
	}
	refresh("refresh after logout", a.RefreshToken, http.StatusUnauthorized)
	get("access token after logout", a.AccessToken, http.StatusUnauthorized)
	get("other session", b.AccessToken, http.StatusOK)
	refresh("other session's refresh", b.RefreshToken, http.StatusOK)

	// Bodies that are not a refresh request.
	for _, body := range []string{`{}`, `{"refresh_token":""}`, `{"refresh_token":"` + strings.Repeat("A", 200) + `"}`,
		`{"refresh_token":1}`, `{"refresh_token":"x","extra":1}`} {
		if res := s.post("/v1/auth/refresh", body); res.status < 400 || res.status >= 500 {
			t.Errorf("body %s: got %d", body, res.status)
		}
	}
	refresh("not a refresh token", strings.Repeat("A", 86), http.StatusUnauthorized)
	if res := s.do(http.MethodGet, "/v1/auth/refresh", ""); res.status != http.StatusMethodNotAllowed {
		t.Errorf("GET refresh: got %d", res.status)
	}
}

func TestRefreshFlow(t *testing.T) {
	t.Run("in-process redis", func(t *testing.T) { refreshFlow(t, newTestServer(t, nil)) })
	t.Run("redis", func(t *testing.T) {
		refreshFlow(t, newTestServer(t, map[string]string{
			"REDIS_ADDR": testenv.RedisAddr(t), "REDIS_KEY_PREFIX": uniquePrefix("refresh"),
		}))
	})
	t.Run("cluster", func(t *testing.T) {
		refreshFlow(t, newTestServer(t, map[string]string{
			"REDIS_ADDR": strings.Join(testenv.RedisClusterAddrs(t), ","), "REDIS_KEY_PREFIX": uniquePrefix("refresh"),
		}))
	})
}

// With Redis down, a refresh is refused with 503, never answered with
// tokens.
func TestRefreshStoreDown(t *testing.T) {
	s := newTestServer(t, nil)
	s.register("ada@example.com", goodPassword)
	tk := s.loginTokens("ada@example.com", goodPassword)
	s.app.mini.Close()
	res := s.post("/v1/auth/refresh", refreshBody(tk.RefreshToken))
	if res.status != http.StatusServiceUnavailable || strings.Contains(string(res.body), "access_token") {
		t.Fatalf("refresh with the store down: got %d %s", res.status, res.body)
	}
}
