package redisrevoker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/clocktest"
	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/internal/revokertest"
)

// These tests use the Redis servers scripts/test starts; testenv skips
// them (or fails them in CI) when those are not running.

func uniquePrefix(t *testing.T) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "jwtauth-test-" + hex.EncodeToString(b[:])
}

// realClock starts a test clock at the real time: real servers expire keys
// on their own clock.
func realClock() *clocktest.Clock { return clocktest.At(time.Now().Truncate(time.Second)) }

func TestRedisRevokerIntegration(t *testing.T) {
	c := testenv.Redis(t)
	prefix := uniquePrefix(t)
	r, err := New(Config{Client: c, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	prepare(t, r)
	revokertest.Contract(t, realClock(), r, nil)
	keys, err := c.Keys(context.Background(), prefix+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Del(context.Background(), r.epochKeysAll...)
	for _, k := range keys {
		if strings.HasPrefix(k, prefix+":epoch{") {
			continue // markers never expire
		}
		ttl, err := c.PTTL(context.Background(), k).Result()
		if err != nil || ttl <= 0 || ttl > jwtauth.DefaultMaxLifetime+jwtauth.DefaultLeeway+time.Second {
			t.Errorf("key %s: TTL %v %v", k, ttl, err)
		}
	}
	c.Del(context.Background(), keys...)
}

func TestRedisRevokerClusterIntegration(t *testing.T) {
	c := testenv.RedisCluster(t)
	r, err := New(Config{Client: c, Prefix: uniquePrefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	prepare(t, r)
	revokertest.Contract(t, realClock(), r, nil)
	// Many subjects land in slots on every node; none may hit CROSSSLOT.
	clk := realClock()
	cfg := testConfig(clk)
	cfg.Revoker = r
	a := mustAuth(t, cfg)
	for i := range 30 {
		sub := "user-" + string(rune('a'+i))
		tok, c, _ := a.Issue(jwtauth.Grant{Subject: sub})
		if _, err := a.Verify(context.Background(), tok); err != nil {
			t.Fatalf("%s: %v", sub, err)
		}
		if err := a.Revoke(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Verify(context.Background(), tok); !errors.Is(err, jwtauth.ErrTokenRevoked) {
			t.Fatalf("%s after revoke: %v", sub, err)
		}
	}
}

// redisAuth is an jwtauth.Authenticator on the real clock revoking through c.
func redisAuth(t *testing.T, c redis.UniversalClient) (*jwtauth.Authenticator, *Revoker) {
	t.Helper()
	r, err := New(Config{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	prepare(t, r)
	cfg := testConfig(realClock())
	cfg.Revoker = r
	cfg.Logger = slog.New(slog.DiscardHandler)
	return mustAuth(t, cfg), r
}

// answer is the status the middleware gives a request bearing tok.
func answer(a *jwtauth.Authenticator, tok string) int {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/me", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	a.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(rec, r)
	return rec.Code
}

// waitReachable retries a verification until the store answers again
// (whatever the answer), and returns the answer. A Cluster failover
// takes about ten seconds with the test nodes' 2 s node timeout.
func waitReachable(t *testing.T, a *jwtauth.Authenticator, tok string) error {
	t.Helper()
	var err error
	for range 300 {
		if _, err = a.Verify(context.Background(), tok); !errors.Is(err, jwtauth.ErrRevocationUnavailable) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("store still unreachable: %v", err)
	return err
}

// afterRecovery waits for the not-before a recovery sets (the next whole
// second) and checks that a token issued then is accepted.
func afterRecovery(t *testing.T, r *Revoker, sub string) (*jwtauth.Authenticator, string) {
	t.Helper()
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	cfg := testConfig(realClock())
	cfg.Revoker = r
	a := mustAuth(t, cfg)
	tok, _, _ := a.Issue(jwtauth.Grant{Subject: sub})
	if _, err := a.Verify(context.Background(), tok); err != nil {
		t.Fatalf("token issued after the recovery: %v", err)
	}
	return a, tok
}

func TestRedisRevokerStoppedServer(t *testing.T) {
	srv := testenv.StartRedis(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { c.Close() })
	a, r := redisAuth(t, c)
	tok, claims, _ := a.Issue(jwtauth.Grant{Subject: "alice"})
	if _, err := a.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke(context.Background(), claims); err != nil {
		t.Fatal(err)
	}
	good, _, _ := a.Issue(jwtauth.Grant{Subject: "bob"})

	srv.Stop()
	start := time.Now()
	for _, tk := range []string{tok, good} {
		if _, err := a.Verify(context.Background(), tk); !errors.Is(err, jwtauth.ErrRevocationUnavailable) {
			t.Errorf("server down: got %v, want ErrRevocationUnavailable", err)
		}
	}
	if got := answer(a, good); got != http.StatusServiceUnavailable {
		t.Errorf("middleware with server down: got %d, want 503", got)
	}
	if d := time.Since(start); d > 10*time.Second { // generous: go-redis alone would retry for longer
		t.Errorf("checks took %v with the server down", d)
	}

	// The server comes back empty (no persistence): the revocation is
	// gone, but so is the epoch marker, so the logged-out token and every
	// other token issued before the loss are refused.
	srv.Start()
	if err := waitReachable(t, a, tok); !errors.Is(err, jwtauth.ErrTokenRevoked) {
		t.Errorf("logged-out token after an empty restart: got %v, want ErrTokenRevoked", err)
	}
	if _, err := a.Verify(context.Background(), good); !errors.Is(err, jwtauth.ErrTokenRevoked) {
		t.Errorf("token issued before the loss: got %v, want ErrTokenRevoked", err)
	}
	a, good = afterRecovery(t, r, "bob")
	if err := a.RevokeSubject(context.Background(), "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(context.Background(), good); !errors.Is(err, jwtauth.ErrTokenRevoked) {
		t.Errorf("after restart: got %v, want ErrTokenRevoked", err)
	}
}

func TestRedisRevokerStoppedClusterNode(t *testing.T) {
	cluster := testenv.StartRedisCluster(t)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cluster.Addrs()})
	t.Cleanup(func() { c.Close() })
	a, r := redisAuth(t, c)
	ctx := context.Background()

	// Find a subject whose records live on node 1, and one elsewhere.
	victim := cluster.Nodes[1].Addr()
	var tok, other, sub string
	for i := 0; (tok == "" || other == "") && i < 1000; i++ {
		s := "user-" + hex.EncodeToString([]byte{byte(i >> 8), byte(i)})
		tk, cl, _ := a.Issue(jwtauth.Grant{Subject: s})
		tk2, _, _ := r.keys(cl.Issuer, cl.Subject, cl.ID, "")
		node, err := c.MasterForKey(ctx, tk2)
		if err != nil {
			t.Fatal(err)
		}
		if node.Options().Addr == victim {
			tok, sub = tk, s
		} else {
			other = tk
		}
	}
	if tok == "" {
		t.Fatal("no subject maps to node 1")
	}
	for _, tk := range []string{tok, other} {
		if _, err := a.Verify(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}

	cluster.Nodes[1].Stop()
	start := time.Now()
	if _, err := a.Verify(ctx, tok); !errors.Is(err, jwtauth.ErrRevocationUnavailable) {
		t.Errorf("node down: got %v, want ErrRevocationUnavailable", err)
	}
	if got := answer(a, tok); got != http.StatusServiceUnavailable {
		t.Errorf("middleware with node down: got %d, want 503", got)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("checks took %v with a node down", d)
	}

	// The node comes back empty: tokens of its subjects issued before
	// are refused; the other shards lost nothing and keep their tokens.
	cluster.Nodes[1].Start()
	cluster.WaitHealthy(t)
	if err := waitReachable(t, a, tok); !errors.Is(err, jwtauth.ErrTokenRevoked) {
		t.Errorf("token on the restarted node: got %v, want ErrTokenRevoked", err)
	}
	if _, err := a.Verify(ctx, other); err != nil {
		t.Errorf("token on a node that kept its data: %v", err)
	}
	afterRecovery(t, r, sub)
}
