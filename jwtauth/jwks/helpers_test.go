package jwks_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/clocktest"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/jwks"
	"github.com/lambdasec/lambdasec/jwtauth/jwks/jwkstest"
)

const testAudience = "api://ledger"

// quiet discards logs of expected failures.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newIssuer starts an issuer on loopback publishing one key per alg, with
// kids "rs", "ps", "es" and "ed".
func newIssuer(t testing.TB, opts jwkstest.Options) (*jwkstest.Server, map[string]*jwkstest.Key) {
	t.Helper()
	srv, err := jwkstest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	keys := baseKeys()
	for _, k := range keys {
		srv.Publish(k)
	}
	return srv, keys
}

// baseKeys are generated once: RSA key generation dominates the tests'
// time otherwise. Tests must not edit them.
var baseKeys = sync.OnceValue(func() map[string]*jwkstest.Key {
	keys := map[string]*jwkstest.Key{}
	for kid, alg := range map[string]string{"rs": "RS256", "ps": "PS256", "es": "ES256", "ed": "EdDSA"} {
		k, err := jwkstest.NewKey(kid, alg, 2048)
		if err != nil {
			panic(err)
		}
		keys[kid] = k
	}
	return keys
})

// harness is a Source and an Authenticator over it, on a fake clock.
type harness struct {
	srv   *jwkstest.Server
	src   *jwks.Source
	auth  *jwtauth.Authenticator
	clock *clocktest.Clock
}

// newHarness builds a Source for srv with cfg (Issuer, Client, Logger and
// Now filled in when zero) and an Authenticator for srv's issuer.
func newHarness(t testing.TB, srv *jwkstest.Server, cfg jwks.Config) *harness {
	t.Helper()
	h := &harness{srv: srv, clock: clocktest.At(time.Now())}
	if cfg.Issuer == "" {
		cfg.Issuer = srv.Issuer
	}
	if cfg.Client == nil {
		cfg.Client = srv.Client
	}
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	if cfg.Now == nil {
		cfg.Now = h.clock.Now
	}
	var err error
	if h.src, err = jwks.New(cfg); err != nil {
		t.Fatal(err)
	}
	h.auth, err = jwtauth.New(jwtauth.Config{
		KeySource: h.src, Issuer: srv.Issuer, Audience: testAudience, Logger: quiet, Now: h.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// claims returns valid claims for issuer at now.
func claims(issuer string, now time.Time) map[string]any {
	return map[string]any{
		"iss": issuer, "sub": "user-1", "aud": testAudience,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "t-1",
	}
}

// token signs valid claims for h's issuer with k.
func (h *harness) token(t testing.TB, k *jwkstest.Key) string {
	t.Helper()
	tok, err := k.Sign(claims(h.srv.Issuer, h.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (h *harness) verify(tok string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := h.auth.Verify(ctx, tok)
	return err
}
