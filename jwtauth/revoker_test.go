package jwtauth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// revokerContract checks a Revoker through an Authenticator using it.
// expire, when not nil, advances the store's clock too, to check that
// records expire; against real servers it is nil.
func revokerContract(t *testing.T, clk *clock, rev Revoker, expire func(time.Duration)) {
	t.Helper()
	ctx := context.Background()
	cfg := testConfig(clk, esKey())
	cfg.Revoker = rev
	cfg.Logger = slog.New(slog.DiscardHandler)
	a := mustAuth(t, cfg)
	verify := func(name, tok string, want error) {
		t.Helper()
		_, err := a.Verify(ctx, tok)
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", name, err, want)
		}
	}
	t1, c1, _ := a.Issue(Grant{Subject: "alice"})
	t2, _, _ := a.Issue(Grant{Subject: "alice"})
	t3, c3, _ := a.Issue(Grant{Subject: "bob"})
	verify("fresh token", t1, nil)

	if err := a.Revoke(ctx, c1); err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke(ctx, c1); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	verify("revoked token", t1, ErrTokenRevoked)
	// The same token re-signed as (r, n-s) would be a different string
	// with the same (iss, jti); the high-S spelling is refused outright.
	verify("malleated revoked token", malleateES256(t, t1), ErrSignatureInvalid)
	verify("other token of the same subject", t2, nil)

	// Row 36: logout everywhere.
	if err := a.RevokeSubject(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	verify("token of revoked subject", t2, ErrTokenRevoked)
	verify("token of other subject", t3, nil)
	clk.Advance(time.Second)
	t4, c4, _ := a.Issue(Grant{Subject: "alice"})
	verify("token issued after logout everywhere", t4, nil)

	// A later not-before is never lowered by an earlier one (the Keycloak
	// CVE-2026-8922 / CVE-2026-18218 class): max() wins.
	now := clk.Now()
	if err := rev.RevokeSubject(ctx, "trialbalance", "alice", now.Add(10*time.Second), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := rev.RevokeSubject(ctx, "trialbalance", "alice", now.Add(-time.Hour), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	verify("not-before kept at the maximum", t4, ErrTokenRevoked)
	if revoked, err := rev.Revoked(ctx, c4); err != nil || !revoked {
		t.Errorf("Revoked: got %v %v", revoked, err)
	}

	if err := a.Revoke(ctx, c3); err != nil {
		t.Fatal(err)
	}
	verify("revoked token of other subject", t3, ErrTokenRevoked)
	if expire == nil {
		return
	}
	// Records live until exp plus leeway (tokens) and MaxLifetime plus
	// leeway (subjects); then they are gone and cost nothing.
	expire(15*time.Minute + DefaultLeeway + time.Second)
	if revoked, _ := rev.Revoked(ctx, c3); revoked {
		t.Error("token record outlived the token")
	}
	expire(DefaultMaxLifetime)
	if revoked, _ := rev.Revoked(ctx, c4); revoked {
		t.Error("subject record outlived MaxLifetime")
	}
}

func TestMemoryRevoker(t *testing.T) {
	clk := newClock()
	m := &MemoryRevoker{Now: clk.Now}
	revokerContract(t, clk, m, clk.Advance)
	// Writes sweep what has expired.
	for range 4 {
		_ = m.RevokeToken(context.Background(), Claims{ID: "x"}, clk.Now().Add(time.Minute))
	}
	m.mu.Lock()
	n := len(m.tokens) + len(m.subjects)
	m.mu.Unlock()
	if n != 1 {
		t.Errorf("%d records after sweep, want 1", n)
	}
	var zero MemoryRevoker // zero value works
	if err := zero.RevokeToken(context.Background(), Claims{ID: "y"}, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := zero.Revoked(context.Background(), Claims{ID: "y"}); !ok {
		t.Error("zero MemoryRevoker lost a revocation")
	}
	if err := zero.RevokeToken(context.Background(), Claims{}, time.Now()); !errors.Is(err, ErrInvalidClaims) {
		t.Errorf("no jti: got %v", err)
	}
}

func newMiniredis(t *testing.T, clk *clock) (*miniredis.Miniredis, *RedisRevoker) {
	t.Helper()
	mr := miniredis.RunT(t)
	mr.SetTime(clk.Now())
	c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { c.Close() })
	r, err := NewRedisRevoker(RedisConfig{Client: c, Prefix: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return mr, r
}

func TestRedisRevokerMiniredis(t *testing.T) {
	clk := newClock()
	mr, r := newMiniredis(t, clk)
	revokerContract(t, clk, r, func(d time.Duration) {
		clk.Advance(d)
		mr.SetTime(clk.Now())
		mr.FastForward(d)
	})
	if keys := mr.Keys(); len(keys) != 0 {
		t.Errorf("keys left after expiry: %v", keys)
	}
}

// Keys hold hashes only, and a subject's records share one hash tag, so
// MGET works on Redis Cluster.
func TestRedisKeys(t *testing.T) {
	clk := newClock()
	mr, r := newMiniredis(t, clk)
	cfg := testConfig(clk)
	cfg.Revoker = r
	a := mustAuth(t, cfg)
	_, c, _ := a.Issue(Grant{Subject: "alice{evil}"})
	if err := a.Revoke(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeSubject(context.Background(), "alice{evil}"); err != nil {
		t.Fatal(err)
	}
	keys := mr.Keys()
	if len(keys) != 2 {
		t.Fatalf("keys: %v", keys)
	}
	tag := func(k string) string { return k[strings.IndexByte(k, '{'):strings.IndexByte(k, '}')] }
	for _, k := range keys {
		if strings.Contains(k, "alice") || strings.Contains(k, c.ID) || !strings.HasPrefix(k, "test:{") {
			t.Errorf("key %q leaks claims or lacks the prefix", k)
		}
		if tag(k) != tag(keys[0]) {
			t.Errorf("keys in different slots: %v", keys)
		}
		if ttl := mr.TTL(k); ttl <= 0 {
			t.Errorf("key %q has no TTL", k)
		}
	}
	// The token record lives until exp plus leeway; the subject record
	// for MaxLifetime plus leeway after the not-before.
	tok, subj := r.keys(c.Issuer, c.Subject, c.ID)
	if got, want := mr.TTL(tok), 15*time.Minute+DefaultLeeway; got != want {
		t.Errorf("token TTL: got %v, want %v", got, want)
	}
	if got, want := mr.TTL(subj), time.Second+DefaultMaxLifetime+DefaultLeeway; got != want {
		t.Errorf("subject TTL: got %v, want %v", got, want)
	}
	if _, err := NewRedisRevoker(RedisConfig{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("no client: got %v", err)
	}
	// A brace in the prefix would decide the Cluster hash slot: "{}" makes
	// Redis hash whole keys, so a subject's two records land in different
	// slots and every MGET fails with CROSSSLOT.
	unused := redis.NewClient(&redis.Options{Addr: "127.0.0.1:0"})
	defer unused.Close()
	for _, p := range []string{"app{}", "{app}", "app{", "app}"} {
		if _, err := NewRedisRevoker(RedisConfig{Client: unused, Prefix: p}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("prefix %q: got %v, want ErrInvalidConfig", p, err)
		}
	}
}

// Row 37: a failing store refuses (fail-closed), or accepts when the
// Config says so; the failure is logged either way.
func TestRedisRevokerFailure(t *testing.T) {
	for _, failOpen := range []bool{false, true} {
		t.Run(map[bool]string{false: "fail-closed", true: "fail-open"}[failOpen], func(t *testing.T) {
			clk := newClock()
			mr, r := newMiniredis(t, clk)
			var buf bytes.Buffer
			cfg := testConfig(clk)
			cfg.Revoker = r
			cfg.RevocationFailOpen = failOpen
			cfg.Logger = slog.New(slog.NewTextHandler(&buf, nil))
			a := mustAuth(t, cfg)
			tok, c, _ := a.Issue(Grant{Subject: "alice"})
			mr.SetError("LOADING Redis is loading the dataset in memory")
			_, err := a.Verify(context.Background(), tok)
			if failOpen && err != nil || !failOpen && !errors.Is(err, ErrRevocationUnavailable) {
				t.Errorf("Verify: got %v", err)
			}
			if !strings.Contains(buf.String(), "level=ERROR") {
				t.Errorf("failure not logged: %s", buf.String())
			}
			if strings.Contains(buf.String(), tok[len(tok)-16:]) {
				t.Error("log contains the token")
			}
			if err := a.Revoke(context.Background(), c); !errors.Is(err, ErrRevocationUnavailable) {
				t.Errorf("Revoke: got %v", err)
			}
			if err := a.RevokeSubject(context.Background(), "alice"); !errors.Is(err, ErrRevocationUnavailable) {
				t.Errorf("RevokeSubject: got %v", err)
			}
			mr.SetError("")
			if _, err := a.Verify(context.Background(), tok); err != nil {
				t.Errorf("after recovery: %v", err)
			}
		})
	}
}

// A server that accepts connections and never answers: the check returns
// after RevocationTimeout although the client would wait 30 seconds.
func TestRedisRevokerHangingServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	client := redis.NewClient(&redis.Options{Addr: l.Addr().String(), DialTimeout: 30 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, MaxRetries: -1})
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		client.Close()
	})
	r, _ := NewRedisRevoker(RedisConfig{Client: client})
	clk := newClock()
	cfg := testConfig(clk)
	cfg.Revoker = r
	cfg.RevocationTimeout = 0 // the default, 100 ms
	cfg.Logger = slog.New(slog.DiscardHandler)
	a := mustAuth(t, cfg)
	tok, _, _ := a.Issue(Grant{Subject: "alice"})
	start := time.Now()
	_, err = a.Verify(context.Background(), tok)
	if !errors.Is(err, ErrRevocationUnavailable) {
		t.Fatalf("got %v, want ErrRevocationUnavailable", err)
	}
	// Generous bound: the point is not waiting for the client's 30 s.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Verify waited %v", d)
	}
}

// countingRevoker counts Revoked calls.
type countingRevoker struct {
	MemoryRevoker
	mu    sync.Mutex
	calls int
}

func (c *countingRevoker) Revoked(ctx context.Context, cl Claims) (bool, error) {
	c.mu.Lock()
	c.calls++
	c.mu.Unlock()
	return c.MemoryRevoker.Revoked(ctx, cl)
}

// Row 34: a flood of unknown kids, bad signatures or expired tokens costs
// no I/O: the store is asked only about tokens that passed every other
// check.
func TestNoStoreIOForInvalidTokens(t *testing.T) {
	clk := newClock()
	rev := &countingRevoker{MemoryRevoker: MemoryRevoker{Now: clk.Now}}
	cfg := testConfig(clk)
	cfg.Revoker = rev
	a := mustAuth(t, cfg)
	good := forge(t, hsKey(), hdr("HS256", "hs"), payload())
	h, p, _ := splitT(good)
	for _, tok := range []string{
		forge(t, hsKey(), hdr("HS256", "unknown-kid"), payload()),
		h + "." + p + "." + b64("0123456789abcdef0123456789abcdef"),
		forge(t, hsKey(), hdr("HS256", "hs"), payload("exp=1", "-iat", "-nbf")),
	} {
		if _, err := a.Verify(context.Background(), tok); err == nil {
			t.Fatal("accepted an invalid token")
		}
	}
	if rev.calls != 0 {
		t.Errorf("store asked %d times about invalid tokens", rev.calls)
	}
	if _, err := a.Verify(context.Background(), good); err != nil || rev.calls != 1 {
		t.Errorf("valid token: err %v, %d calls", err, rev.calls)
	}
}

// A verifier without Config.Issuer accepts tokens whatever their iss; a
// subject-wide revocation must still reach them. (Recorded under the
// token's iss, it would miss every token that carries one, since
// RevokeSubject knows only Config.Issuer.)
func TestRevocationWithoutConfiguredIssuer(t *testing.T) {
	clk := newClock()
	_, redisRev := newMiniredis(t, clk)
	for name, rev := range map[string]Revoker{"memory": &MemoryRevoker{Now: clk.Now}, "redis": redisRev} {
		t.Run(name, func(t *testing.T) {
			issuer := mustAuth(t, testConfig(clk)) // writes iss "trialbalance"
			cfg := testConfig(clk)
			cfg.Issuer = ""
			cfg.Revoker = rev
			cfg.Logger = slog.New(slog.DiscardHandler)
			api := mustAuth(t, cfg)
			ctx := context.Background()
			sub := "carol-" + name
			t1, _, _ := issuer.Issue(Grant{Subject: sub})
			t2, c2, _ := issuer.Issue(Grant{Subject: sub + "-2"})
			if _, err := api.Verify(ctx, t1); err != nil {
				t.Fatal(err)
			}
			if err := api.RevokeSubject(ctx, sub); err != nil {
				t.Fatal(err)
			}
			if _, err := api.Verify(ctx, t1); !errors.Is(err, ErrTokenRevoked) {
				t.Errorf("after RevokeSubject: got %v, want ErrTokenRevoked", err)
			}
			if err := api.Revoke(ctx, c2); err != nil {
				t.Fatal(err)
			}
			if _, err := api.Verify(ctx, t2); !errors.Is(err, ErrTokenRevoked) {
				t.Errorf("after Revoke: got %v, want ErrTokenRevoked", err)
			}
		})
	}
}

// Claims built by hand without exp or sub cannot be revoked: Revoke says
// so rather than reporting success for a record that would never be
// written or never be found.
func TestRevokeIncompleteClaims(t *testing.T) {
	clk := newClock()
	_, redisRev := newMiniredis(t, clk)
	cfg := testConfig(clk)
	cfg.Revoker = redisRev
	a := mustAuth(t, cfg)
	exp := t0.Add(time.Minute)
	for name, c := range map[string]Claims{
		"no exp": {Issuer: "trialbalance", Subject: "alice", ID: "id-1"},
		"no sub": {Issuer: "trialbalance", ID: "id-1", ExpiresAt: exp},
	} {
		if err := a.Revoke(context.Background(), c); !errors.Is(err, ErrInvalidClaims) {
			t.Errorf("%s: got %v, want ErrInvalidClaims", name, err)
		}
	}
	// An expired token needs no record: that is not an error.
	_, c, _ := a.Issue(Grant{Subject: "alice"})
	clk.Advance(time.Hour)
	if err := a.Revoke(context.Background(), c); err != nil {
		t.Errorf("expired token: got %v", err)
	}
}

// Verify, Revoke and RevokeSubject through a RedisRevoker from many
// goroutines, with a timeout short enough that some checks give up while
// their command is still in flight (run with -race): every answer is one
// of the documented ones, and a revoked token is never accepted.
func TestConcurrentRedisRevoker(t *testing.T) {
	clk := newClock()
	_, r := newMiniredis(t, clk)
	cfg := testConfig(clk)
	cfg.Revoker = r
	cfg.RevocationTimeout = time.Millisecond
	cfg.Logger = slog.New(slog.DiscardHandler)
	a := mustAuth(t, cfg)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			sub := "user-" + string(rune('a'+i%4))
			for range 30 {
				tok, c, err := a.Issue(Grant{Subject: sub})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := a.Verify(ctx, tok); err != nil && !errors.Is(err, ErrRevocationUnavailable) && !errors.Is(err, ErrTokenRevoked) {
					t.Errorf("verify: %v", err)
				}
				if err := a.Revoke(ctx, c); err != nil {
					if !errors.Is(err, ErrRevocationUnavailable) {
						t.Errorf("revoke: %v", err)
					}
					continue
				}
				if _, err := a.Verify(ctx, tok); err == nil {
					t.Error("revoked token accepted")
				} else if !errors.Is(err, ErrTokenRevoked) && !errors.Is(err, ErrRevocationUnavailable) {
					t.Errorf("verify after revoke: %v", err)
				}
				if i%4 == 0 {
					_ = a.RevokeSubject(ctx, sub)
				}
			}
		}()
	}
	wg.Wait()
}
