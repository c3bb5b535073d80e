package refresh

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/clocktest"
	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/redisrevoker"
)

// testKey signs the access tokens. Ed25519 signatures are deterministic,
// like HS256's: a grace retry gets the very same token.
var testKey = func() ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}()

// fixture is a Store and its Authenticator on one Redis, with a fake
// clock started at the real time (real servers expire keys on theirs).
type fixture struct {
	clk    *clocktest.Clock
	auth   *jwtauth.Authenticator
	store  *Store
	client redis.UniversalClient
	prefix string
}

// servers runs f against the single Redis and the 3-node Cluster.
func servers(t *testing.T, f func(t *testing.T, c redis.UniversalClient)) {
	t.Run("single", func(t *testing.T) { f(t, testenv.Redis(t)) })
	t.Run("cluster", func(t *testing.T) { f(t, testenv.RedisCluster(t)) })
}

func newFixture(t testing.TB, c redis.UniversalClient, edit func(*Config)) *fixture {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "refresh-test-" + hex.EncodeToString(b[:])
	rev, err := redisrevoker.New(redisrevoker.Config{Client: c, Prefix: prefix + "-jwt"})
	if err != nil {
		t.Fatal(err)
	}
	// A revoker that marks its store's state creates the marks before
	// tokens are issued, as a service does at start.
	if p, ok := any(rev).(interface{ Prepare(context.Context) error }); ok {
		if err := p.Prepare(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	clk := clocktest.At(time.Now())
	auth, err := jwtauth.New(jwtauth.Config{
		Keys:     []jwtauth.Key{{ID: "ed", Algorithm: jwtauth.EdDSA, PrivateKey: testKey}},
		Issuer:   "trialbalance",
		Audience: "trialbalance-api",
		Revoker:  rev,
		Now:      clk.Now,
		Logger:   slog.New(slog.DiscardHandler),
		// Long, so a loaded machine cannot trip it.
		RevocationTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Client: c, Authenticator: auth, Prefix: prefix, Now: clk.Now,
		Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{clk: clk, auth: auth, store: s, client: c, prefix: prefix}
}

func (f *fixture) login(t testing.TB, sub string) Tokens {
	t.Helper()
	tk, err := f.store.Login(context.Background(), jwtauth.Grant{Subject: sub, Scopes: []string{"ledger:read"}}, "web")
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func (f *fixture) exchange(t testing.TB, tok Token) (Tokens, error) {
	t.Helper()
	return f.store.Exchange(context.Background(), tok.Reveal(), "web")
}

func (f *fixture) mustExchange(t testing.TB, tok Token) Tokens {
	t.Helper()
	tk, err := f.exchange(t, tok)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tk
}

// wantErr fails t unless err matches want (nil meaning success).
func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", what, err, want)
	}
}

// verify checks an access token against the Authenticator.
func (f *fixture) verify(t testing.TB, what, access string, want error) {
	t.Helper()
	_, err := f.auth.Verify(context.Background(), access)
	wantErr(t, what, err, want)
}
