package main

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"testing"

	"github.com/lambdasec/lambdasec/internal/smfake"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/secretkeys"
	"github.com/lambdasec/lambdasec/secrets"
)

// With JWT_SECRET_ID the service signs with the key held in Secrets
// Manager (the real SDK against a loopback endpoint). A rotation logs no
// one out: the token issued before it still reads the ledger, and a token
// signed with the new key by another execution environment is accepted
// at once, without a restart.
func TestSigningKeyFromSecretsManager(t *testing.T) {
	sm := smfake.New()
	t.Cleanup(sm.Close)
	b := make([]byte, 32)
	rand.Read(b)
	first, err := secretkeys.NewHS256Secret(b)
	if err != nil {
		t.Fatal(err)
	}
	sm.Put("trialbalance/jwt", first)
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.URL(),
		"AWS_REGION":                       smfake.Region,
		"AWS_ACCESS_KEY_ID":                smfake.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":            smfake.SecretAccessKey,
		"AWS_SESSION_TOKEN":                "",
	} {
		t.Setenv(k, v)
	}
	s := newTestServer(t, map[string]string{"JWT_SECRET_ID": "trialbalance/jwt"})
	s.register("ada@example.com", goodPassword)
	before := s.login("ada@example.com", goodPassword)
	const tb = "/v1/trial-balance?from=2026-01-01&to=2026-03-31"
	if res := s.do("GET", tb, "", bearer(before)...); res.status != http.StatusOK {
		t.Fatalf("before rotation: %d", res.status)
	}

	for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		if err := secretkeys.Rotate(context.Background(), sm.Client(), secretkeys.RotationEvent{
			SecretID: "trialbalance/jwt", ClientRequestToken: "rotation-0000000000000000000000000001", Step: step}); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	// Another environment that read the secret after the rotation.
	cache, err := secrets.New(secrets.Config{Client: sm.Client(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	src, err := secretkeys.New(secretkeys.Config{Cache: cache, SecretID: "trialbalance/jwt", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	other, err := jwtauth.New(jwtauth.Config{KeySource: src, Issuer: issuer, Audience: audience, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	after, _, err := other.Issue(jwtauth.Grant{Subject: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"token from before the rotation": before, "token of the new key": after} {
		if res := s.do("GET", tb, "", bearer(tok)...); res.status != http.StatusOK {
			t.Errorf("%s: got %d, want 200", name, res.status)
		}
	}
	if res := s.do("GET", tb, "", bearer(after[:len(after)-3]+"AAA")...); res.status != http.StatusUnauthorized {
		t.Errorf("tampered token of the new key: got %d, want 401", res.status)
	}
}

func TestSigningKeyConfig(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"both":      {"JWT_SECRET": "x", "JWT_SECRET_ID": "y"},
		"in Lambda": {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "REDIS_ADDR": "127.0.0.1:6379"},
	} {
		if _, err := loadConfig(mapEnv(env)); err == nil {
			t.Errorf("%s: want a configuration error", name)
		}
	}
}
