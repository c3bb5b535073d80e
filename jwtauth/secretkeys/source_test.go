package secretkeys_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/smfake"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/secretkeys"
	"github.com/lambdasec/lambdasec/secrets"
)

const secretID = "prod/jwt"

func hs256Value(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v, err := secretkeys.NewHS256Secret(b)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// env is one execution environment: its own cache, source and
// Authenticator, reading the shared fake Secrets Manager through the real
// SDK client.
type env struct {
	src  *secretkeys.Source
	auth *jwtauth.Authenticator
}

func newEnv(t testing.TB, sm *smfake.Server, ttl time.Duration) env {
	t.Helper()
	cache, err := secrets.New(secrets.Config{Client: sm.Client(), TTL: ttl, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	src, err := secretkeys.New(secretkeys.Config{Cache: cache, SecretID: secretID, Logger: discard(), MinLookupInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	auth, err := jwtauth.New(jwtauth.Config{KeySource: src, Issuer: "tb", Audience: "tb-api", Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	return env{src, auth}
}

func (e env) issue(t testing.TB) string {
	t.Helper()
	tok, _, err := e.auth.Issue(jwtauth.Grant{Subject: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func rotate(t testing.TB, sm *smfake.Server, token string) {
	t.Helper()
	for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		if err := secretkeys.Rotate(context.Background(), sm.Client(), secretkeys.RotationEvent{
			SecretID: secretID, ClientRequestToken: token, Step: step}); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
}

// TestRotationWithoutRestart: a rotation through the four steps never logs
// anyone out, and both environments pick the new key up without a
// rebuild: the one that sees a token with an unknown kid at once, the
// other when its cache expires.
func TestRotationWithoutRestart(t *testing.T) {
	sm := smfake.New()
	defer sm.Close()
	v1 := sm.Put(secretID, hs256Value(t))
	a := newEnv(t, sm, time.Hour)
	b := newEnv(t, sm, time.Hour)
	old := a.issue(t)
	if kid := header(t, old)["kid"]; kid != v1 {
		t.Fatalf("kid %v, want the version id %s", kid, v1)
	}

	rotate(t, sm, "v2-token-0000000000000000000000000")
	// a rereads through a fresh cache read; b still has v1 only.
	a2 := newEnv(t, sm, time.Hour)
	fresh := a2.issue(t)
	if header(t, fresh)["kid"] != "v2-token-0000000000000000000000000" {
		t.Fatalf("new tokens are not signed with the new version: %v", header(t, fresh))
	}
	for name, e := range map[string]env{"a": a, "b": b, "a2": a2} {
		// The old token still verifies everywhere (AWSPREVIOUS), and the
		// new one too: b looks the unknown kid up.
		for _, tok := range []string{old, fresh} {
			if _, err := e.auth.Verify(context.Background(), tok); err != nil {
				t.Errorf("env %s: %v", name, err)
			}
		}
	}
	if _, err := b.auth.Verify(context.Background(), fresh); err != nil {
		t.Fatal(err)
	}
	if tok := b.issue(t); header(t, tok)["kid"] != "v2-token-0000000000000000000000000" {
		t.Errorf("after its lookup, b still signs with %v", header(t, tok)["kid"])
	}
}

// TestPreviousOnlyVerifies: after two rotations the first key is gone, and
// the previous version never signs.
func TestPreviousOnlyVerifies(t *testing.T) {
	sm := smfake.New()
	defer sm.Close()
	sm.Put(secretID, hs256Value(t))
	first := newEnv(t, sm, time.Hour).issue(t)
	rotate(t, sm, "second-0000000000000000000000000000")
	rotate(t, sm, "third-00000000000000000000000000000")
	e := newEnv(t, sm, time.Hour)
	if _, err := e.auth.Verify(context.Background(), first); err == nil {
		t.Fatal("a key two rotations old still verifies")
	}
	if e.src.Keys().Len() != 2 {
		t.Fatalf("%d keys, want current and previous", e.src.Keys().Len())
	}
}

func TestAsymmetricKey(t *testing.T) {
	sm := smfake.New()
	defer sm.Close()
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	value, _ := json.Marshal(map[string]string{"alg": "ES256", "kid": "ec-1",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))})
	sm.Put(secretID, string(value))
	e := newEnv(t, sm, time.Hour)
	tok := e.issue(t)
	if h := header(t, tok); h["alg"] != "ES256" || h["kid"] != "ec-1" {
		t.Fatalf("header %v", h)
	}
	if _, err := e.auth.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
}

// A deleted secret withdraws the keys (fail closed); an outage keeps them.
func TestFailures(t *testing.T) {
	sm := smfake.New()
	defer sm.Close()
	sm.Put(secretID, hs256Value(t))
	cache, _ := secrets.New(secrets.Config{Client: sm.Client(), TTL: time.Millisecond, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	src, _ := secretkeys.New(secretkeys.Config{Cache: cache, SecretID: secretID, Logger: discard(), Now: clock})
	if err := src.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	auth, _ := jwtauth.New(jwtauth.Config{KeySource: src, Issuer: "tb", Logger: discard()})
	tok, _, _ := auth.Issue(jwtauth.Grant{Subject: "ada"})

	sm.FailNext(1000, "InternalServiceError")
	time.Sleep(5 * time.Millisecond) // the cached value's TTL passes
	if err := src.Load(context.Background()); !errors.Is(err, jwtauth.ErrKeySourceUnavailable) && err != nil {
		t.Fatalf("outage: %v", err)
	}
	if _, err := auth.Verify(context.Background(), tok); err != nil {
		t.Fatalf("an outage dropped the keys: %v", err)
	}
	sm.FailNext(0, "")
	sm.Delete(secretID)
	if err := src.Load(context.Background()); !errors.Is(err, jwtauth.ErrKeySourceUnavailable) || !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
	if _, err := auth.Verify(context.Background(), tok); err == nil {
		t.Fatal("a deleted secret's key still verifies")
	}
	if _, _, err := auth.Issue(jwtauth.Grant{Subject: "ada"}); err == nil {
		t.Fatal("a deleted secret's key still signs")
	}
}

// TestLookupFlood: many tokens with unknown kids cause at most one forced
// fetch per MinLookupInterval, shared by every caller.
func TestLookupFlood(t *testing.T) {
	sm := smfake.New()
	defer sm.Close()
	sm.Put(secretID, hs256Value(t))
	e := newEnv(t, sm, time.Hour)
	before := sm.Calls()
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			ks, err := e.src.Lookup(context.Background(), "forged-kid-"+strings.Repeat("x", i%5))
			if err != nil || ks.Has("forged-kid") {
				t.Errorf("lookup: %v", err)
			}
		})
	}
	wg.Wait()
	// One forced fetch reads AWSCURRENT and AWSPREVIOUS.
	if got := sm.Calls() - before; got > 2 {
		t.Fatalf("%d GetSecretValue calls for a flood of unknown kids, want at most 2", got)
	}
}

func TestLookupHonoursContext(t *testing.T) {
	sm := smfake.New()
	defer sm.Close()
	sm.Put(secretID, hs256Value(t))
	cache, _ := secrets.New(secrets.Config{Client: sm.Client()})
	src, _ := secretkeys.New(secretkeys.Config{Cache: cache, SecretID: secretID, Logger: discard()})
	if err := src.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	sm.Hold()
	defer sm.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := src.Lookup(ctx, "unknown"); err == nil {
		t.Fatal("no error from a lookup that outlived its context")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("lookup waited %v past its deadline", d)
	}
}

func TestParseKey(t *testing.T) {
	for _, tc := range []struct {
		name, alg, secret, pem string
	}{
		{"unknown alg", "none", "", ""},
		{"hs256 bad base64", "HS256", "!!!", ""},
		{"hs256 with pem", "HS256", "", "x"},
		{"es256 with secret", "ES256", "abc", ""},
		{"es256 not pem", "ES256", "", "not pem"},
		{"es256 wrong block", "ES256", "", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{1}}))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := secretkeys.ParseKey(tc.alg, tc.secret, tc.pem); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	// A short or weak HS256 key parses but no key set takes it.
	k, err := secretkeys.ParseKey("HS256", "c2hvcnQ", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwtauth.NewKeySet(k); err == nil {
		t.Fatal("a 5-byte key made a key set")
	}
}

func TestRotateSteps(t *testing.T) {
	sm := smfake.New()
	defer sm.Close()
	sm.Put(secretID, hs256Value(t))
	ev := secretkeys.RotationEvent{SecretID: secretID, ClientRequestToken: "tok-1111111111111111111111111111111"}
	ctx := context.Background()
	for _, step := range []string{"createSecret", "createSecret", "setSecret", "testSecret", "finishSecret", "finishSecret"} {
		ev.Step = step
		if err := secretkeys.Rotate(ctx, sm.Client(), ev); err != nil {
			t.Fatalf("%s (repeated steps must be idempotent): %v", step, err)
		}
	}
	ev.Step = "dance"
	if err := secretkeys.Rotate(ctx, sm.Client(), ev); !errors.Is(err, secretkeys.ErrRotation) {
		t.Fatalf("unknown step: %v", err)
	}
	// A pending version that is not a key fails testSecret.
	sm.PutPending(secretID, `{"alg":"HS256","secret":"c2hvcnQ"}`)
	pending := smfakePendingID(t, sm)
	if err := secretkeys.Rotate(ctx, sm.Client(), secretkeys.RotationEvent{SecretID: secretID, ClientRequestToken: pending, Step: "testSecret"}); !errors.Is(err, secretkeys.ErrRotation) {
		t.Fatalf("weak pending key passed testSecret: %v", err)
	}
}

func header(t testing.TB, tok string) map[string]any {
	t.Helper()
	h, _, _ := strings.Cut(tok, ".")
	b, err := base64URL(h)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
