package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/jwks/jwkstest"
)

// TestOIDCVerifier runs the verifier against an issuer on loopback HTTPS
// with its own CA, found through its discovery document.
func TestOIDCVerifier(t *testing.T) {
	srv, err := jwkstest.NewServer(jwkstest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	key, err := srv.AddKey("k1", "RS256", 2048)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	v, err := newOIDCVerifier(context.Background(), srv.Issuer, "trial-balance-api", srv.Client, log)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tc := range []struct {
		name string
		aud  string
		iss  string
		want error
	}{
		{"valid", "trial-balance-api", srv.Issuer, nil},
		{"other audience", "another-api", srv.Issuer, jwtauth.ErrInvalidAudience},
		{"other issuer", "trial-balance-api", "https://attacker.example", jwtauth.ErrInvalidIssuer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := key.Sign(map[string]any{"iss": tc.iss, "aud": tc.aud, "sub": "u1", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(context.Background(), tok); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	if d, j := srv.Fetches(); d != 1 || j != 1 {
		t.Errorf("fetches: discovery %d, jwks %d; want 1, 1 (at start)", d, j)
	}
}

// TestOIDCVerifierCognito: with a Cognito issuer, OIDC_AUDIENCE is the
// app client id, checked against client_id.
func TestOIDCVerifierCognito(t *testing.T) {
	const pool = "eu-west-1_AbCdEf123"
	srv, err := jwkstest.NewServer(jwkstest.Options{Host: "cognito-idp.eu-west-1.amazonaws.com", Path: "/" + pool})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	key, err := srv.AddKey("k1", "RS256", 2048)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	v, err := newOIDCVerifier(context.Background(), srv.Issuer, "app-client-1", srv.Client, log)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tc := range []struct {
		name, clientID string
		want           error
	}{
		{"app client", "app-client-1", nil},
		{"other app client", "app-client-2", jwtauth.ErrInvalidAudience},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, _ := key.Sign(map[string]any{"iss": srv.Issuer, "client_id": tc.clientID, "token_use": "access",
				"sub": "u1", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
			if _, err := v.Verify(context.Background(), tok); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	if _, j := srv.Fetches(); j != 1 {
		t.Errorf("jwks fetches: %d, want 1", j)
	}
}

func TestOIDCConfig(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg, err := loadConfig(mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := oidcFromConfig(context.Background(), cfg, log); v != nil || err != nil {
		t.Errorf("unset: got %v, %v; want nil, nil", v, err)
	}
	for name, m := range map[string]map[string]string{
		"no audience":       {"OIDC_ISSUER": "https://idp.example"},
		"http issuer":       {"OIDC_ISSUER": "http://idp.example", "OIDC_AUDIENCE": "a"},
		"cognito bad pool":  {"OIDC_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_X", "OIDC_AUDIENCE": "a"},
		"cognito with path": {"OIDC_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X/", "OIDC_AUDIENCE": "a"},
	} {
		cfg, err := loadConfig(mapEnv(m))
		if err == nil {
			_, err = oidcFromConfig(context.Background(), cfg, log)
		}
		if !errors.Is(err, errConfig) {
			t.Errorf("%s: got %v, want errConfig", name, err)
		}
	}
}

// With OIDC_ISSUER set, GET /v1/trial-balance accepts the service's own
// tokens and the issuer's access tokens, both over HTTP; logout still
// takes only the service's own, and tokens of other issuers or audiences
// are refused without a fetch.
func TestTrialBalanceAcceptsOIDCTokens(t *testing.T) {
	srv, err := jwkstest.NewServer(jwkstest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	key, err := srv.AddKey("k1", "ES256", 0)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(mapEnv(map[string]string{
		"JWT_SECRET": randomSecret(t), "OIDC_ISSUER": srv.Issuer, "OIDC_AUDIENCE": "trial-balance-api",
	}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.oidcClient = srv.Client
	a, err := newApp(context.Background(), cfg, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	h := a.handler()
	call := func(method, path, body, token string) int {
		r := newRecorderRequest(method, path, body, "192.0.2.7:1000")
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	now := time.Now()
	sign := func(iss, aud string) string {
		tok, err := key.Sign(map[string]any{"iss": iss, "aud": aud, "sub": "partner-7", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	call("POST", "/v1/auth/register", credentialsJSON("ada@example.com", goodPassword), "")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, newRecorderRequest("POST", "/v1/auth/login", credentialsJSON("ada@example.com", goodPassword), "192.0.2.7:1000"))
	var own tokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &own); err != nil || own.AccessToken == "" {
		t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	const tb = "/v1/trial-balance?from=2026-01-01&to=2026-03-31"
	for _, tc := range []struct {
		name, method, path, token string
		want                      int
	}{
		{"own token", "GET", tb, own.AccessToken, 200},
		{"issuer's token", "GET", tb, sign(srv.Issuer, "trial-balance-api"), 200},
		{"issuer's token, other audience", "GET", tb, sign(srv.Issuer, "another-api"), 401},
		{"unknown issuer", "GET", tb, sign("https://attacker.example", "trial-balance-api"), 401},
		{"issuer's token cannot log out", "POST", "/v1/auth/logout", sign(srv.Issuer, "trial-balance-api"), 401},
		{"no token", "GET", tb, "", 401},
	} {
		if got := call(tc.method, tc.path, "", tc.token); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
	if d, j := srv.Fetches(); d != 1 || j != 1 {
		t.Errorf("fetches: discovery %d, jwks %d; want 1, 1 (at start)", d, j)
	}
}
