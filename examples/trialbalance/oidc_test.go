package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
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

func TestOIDCFromEnv(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if v, err := oidcFromEnv(context.Background(), env(nil), log); v != nil || err != nil {
		t.Errorf("unset: got %v, %v; want nil, nil", v, err)
	}
	for name, m := range map[string]map[string]string{
		"no audience":       {"OIDC_ISSUER": "https://idp.example"},
		"http issuer":       {"OIDC_ISSUER": "http://idp.example", "OIDC_AUDIENCE": "a"},
		"cognito bad pool":  {"OIDC_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_X", "OIDC_AUDIENCE": "a"},
		"cognito with path": {"OIDC_ISSUER": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X/", "OIDC_AUDIENCE": "a"},
	} {
		if _, err := oidcFromEnv(context.Background(), env(m), log); !errors.Is(err, errConfig) {
			t.Errorf("%s: got %v, want errConfig", name, err)
		}
	}
}
