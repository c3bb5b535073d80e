package redisrevoker

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/clocktest"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/internal/revokertest"
)

// t0 is the fake "now" of the tests.
var t0 = time.Unix(1_800_000_000, 0)

type clock = clocktest.Clock

func newClock() *clock { return clocktest.At(t0) }

// testConfig is the Config the tests start from.
func testConfig(clk *clock) jwtauth.Config {
	return jwtauth.Config{
		Keys:     []jwtauth.Key{{ID: "hs", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(revokertest.Secret)}},
		Issuer:   "trialbalance",
		Audience: "trialbalance-api",
		Now:      clk.Now,
		// Long, so a loaded machine cannot trip it.
		RevocationTimeout: 2 * time.Second,
	}
}

func mustAuth(t testing.TB, cfg jwtauth.Config) *jwtauth.Authenticator {
	t.Helper()
	a, err := jwtauth.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func newMiniredis(t *testing.T, clk *clock) (*miniredis.Miniredis, *Revoker) {
	t.Helper()
	mr := miniredis.RunT(t)
	mr.SetTime(clk.Now())
	c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { c.Close() })
	r, err := New(Config{Client: c, Prefix: "test"})
	if err != nil {
		t.Fatal(err)
	}
	seedMarkers(mr, r)
	return mr, r
}

func TestRedisRevokerMiniredis(t *testing.T) {
	clk := newClock()
	mr, r := newMiniredis(t, clk)
	revokertest.Contract(t, clk, r, func(d time.Duration) {
		clk.Advance(d)
		mr.SetTime(clk.Now())
		mr.FastForward(d)
	})
	if keys := recordKeys(mr); len(keys) != 0 {
		t.Errorf("keys left after expiry: %v", keys)
	}
}

// Keys hold hashes only, and a subject's records share one hash tag with
// their bucket's epoch marker, so MGET works on Redis Cluster.
func TestRedisKeys(t *testing.T) {
	clk := newClock()
	mr, r := newMiniredis(t, clk)
	cfg := testConfig(clk)
	cfg.Revoker = r
	a := mustAuth(t, cfg)
	_, c, _ := a.Issue(jwtauth.Grant{Subject: "alice{evil}"})
	if err := a.Revoke(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeSubject(context.Background(), "alice{evil}"); err != nil {
		t.Fatal(err)
	}
	keys := recordKeys(mr)
	if len(keys) != 2 {
		t.Fatalf("keys: %v", keys)
	}
	_, _, _, epoch := r.keySet(c.Issuer, c.Subject, c.ID, "")
	keys = append(keys, epoch)
	tag := func(k string) string { return k[strings.IndexByte(k, '{'):strings.IndexByte(k, '}')] }
	for _, k := range keys {
		if k == epoch {
			if !strings.HasPrefix(k, "test:epoch{") || tag(k) != tag(keys[0]) {
				t.Errorf("epoch key %q not in the records' slot", k)
			}
			continue
		}
		if strings.Contains(k, "alice") || strings.Contains(k, c.ID) || !strings.HasPrefix(k, "test:") {
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
	tok, subj, _ := r.keys(c.Issuer, c.Subject, c.ID, "")
	if got, want := mr.TTL(tok), 15*time.Minute+jwtauth.DefaultLeeway; got != want {
		t.Errorf("token TTL: got %v, want %v", got, want)
	}
	if got, want := mr.TTL(subj), time.Second+jwtauth.DefaultMaxLifetime+jwtauth.DefaultLeeway; got != want {
		t.Errorf("subject TTL: got %v, want %v", got, want)
	}
	if _, err := New(Config{}); !errors.Is(err, jwtauth.ErrInvalidConfig) {
		t.Errorf("no client: got %v", err)
	}
	// A brace in the prefix would decide the Cluster hash slot: "{}" makes
	// Redis hash whole keys, so a subject's two records land in different
	// slots and every MGET fails with CROSSSLOT.
	unused := redis.NewClient(&redis.Options{Addr: "127.0.0.1:0"})
	defer unused.Close()
	for _, p := range []string{"app{}", "{app}", "app{", "app}"} {
		if _, err := New(Config{Client: unused, Prefix: p}); !errors.Is(err, jwtauth.ErrInvalidConfig) {
			t.Errorf("prefix %q: got %v, want ErrInvalidConfig", p, err)
		}
	}
}

// A failing store refuses (fail-closed), or accepts when the
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
			tok, c, _ := a.Issue(jwtauth.Grant{Subject: "alice"})
			mr.SetError("LOADING Redis is loading the dataset in memory")
			_, err := a.Verify(context.Background(), tok)
			if failOpen && err != nil || !failOpen && !errors.Is(err, jwtauth.ErrRevocationUnavailable) {
				t.Errorf("Verify: got %v", err)
			}
			if !strings.Contains(buf.String(), "level=ERROR") {
				t.Errorf("failure not logged: %s", buf.String())
			}
			if strings.Contains(buf.String(), tok[len(tok)-16:]) {
				t.Error("log contains the token")
			}
			if err := a.Revoke(context.Background(), c); !errors.Is(err, jwtauth.ErrRevocationUnavailable) {
				t.Errorf("Revoke: got %v", err)
			}
			if err := a.RevokeSubject(context.Background(), "alice"); !errors.Is(err, jwtauth.ErrRevocationUnavailable) {
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
	r, _ := New(Config{Client: client})
	clk := newClock()
	cfg := testConfig(clk)
	cfg.Revoker = r
	cfg.RevocationTimeout = 0 // the default, 100 ms
	cfg.Logger = slog.New(slog.DiscardHandler)
	a := mustAuth(t, cfg)
	tok, _, _ := a.Issue(jwtauth.Grant{Subject: "alice"})
	start := time.Now()
	_, err = a.Verify(context.Background(), tok)
	if !errors.Is(err, jwtauth.ErrRevocationUnavailable) {
		t.Fatalf("got %v, want ErrRevocationUnavailable", err)
	}
	// Generous bound: the point is not waiting for the client's 30 s.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Verify waited %v", d)
	}
}

// A verifier without Config.Issuer accepts tokens whatever their iss; a
// subject-wide revocation must still reach them. (Recorded under the
// token's iss, it would miss every token that carries one, since
// RevokeSubject knows only Config.Issuer.)
func TestRevocationWithoutConfiguredIssuer(t *testing.T) {
	clk := newClock()
	_, redisRev := newMiniredis(t, clk)
	for name, rev := range map[string]jwtauth.Revoker{"memory": &jwtauth.MemoryRevoker{Now: clk.Now}, "redis": redisRev} {
		t.Run(name, func(t *testing.T) {
			issuer := mustAuth(t, testConfig(clk)) // writes iss "trialbalance"
			cfg := testConfig(clk)
			cfg.Issuer = ""
			cfg.Revoker = rev
			cfg.Logger = slog.New(slog.DiscardHandler)
			api := mustAuth(t, cfg)
			ctx := context.Background()
			sub := "carol-" + name
			t1, _, _ := issuer.Issue(jwtauth.Grant{Subject: sub})
			t2, c2, _ := issuer.Issue(jwtauth.Grant{Subject: sub + "-2"})
			if _, err := api.Verify(ctx, t1); err != nil {
				t.Fatal(err)
			}
			if err := api.RevokeSubject(ctx, sub); err != nil {
				t.Fatal(err)
			}
			if _, err := api.Verify(ctx, t1); !errors.Is(err, jwtauth.ErrTokenRevoked) {
				t.Errorf("after RevokeSubject: got %v, want ErrTokenRevoked", err)
			}
			if err := api.Revoke(ctx, c2); err != nil {
				t.Fatal(err)
			}
			if _, err := api.Verify(ctx, t2); !errors.Is(err, jwtauth.ErrTokenRevoked) {
				t.Errorf("after Revoke: got %v, want ErrTokenRevoked", err)
			}
		})
	}
}

// Verify, Revoke and RevokeSubject through a Revoker from many
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
				tok, c, err := a.Issue(jwtauth.Grant{Subject: sub})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := a.Verify(ctx, tok); err != nil && !errors.Is(err, jwtauth.ErrRevocationUnavailable) && !errors.Is(err, jwtauth.ErrTokenRevoked) {
					t.Errorf("verify: %v", err)
				}
				if err := a.Revoke(ctx, c); err != nil {
					if !errors.Is(err, jwtauth.ErrRevocationUnavailable) {
						t.Errorf("revoke: %v", err)
					}
					continue
				}
				if _, err := a.Verify(ctx, tok); err == nil {
					t.Error("revoked token accepted")
				} else if !errors.Is(err, jwtauth.ErrTokenRevoked) && !errors.Is(err, jwtauth.ErrRevocationUnavailable) {
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

// goid returns the id of the calling goroutine, read from its stack
// header ("goroutine 42 [running]:").
func goid() string {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	f := strings.Fields(string(buf[:n]))
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

// goroutineHook records the goroutine each MGET runs on.
type goroutineHook struct {
	mu  sync.Mutex
	ids []string
}

func (h *goroutineHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *goroutineHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *goroutineHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "mget" {
			h.mu.Lock()
			h.ids = append(h.ids, goid())
			h.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

// With ContextTimeoutEnabled the client stops at the deadline itself, so
// the check runs on the caller's goroutine: no goroutine per request.
// Without it, the command runs on a helper goroutine the check stops
// waiting for at the deadline.
func TestRevokedRunsOnCallerGoroutine(t *testing.T) {
	mr := miniredis.RunT(t)
	for _, direct := range []bool{true, false} {
		c := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: direct})
		h := &goroutineHook{}
		c.AddHook(h)
		r, err := New(Config{Client: c})
		if err != nil {
			t.Fatal(err)
		}
		seedMarkers(mr, r)
		if _, err := r.Revoked(context.Background(), jwtauth.Claims{Subject: "alice", ID: "id-1"}); err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
		if len(h.ids) != 1 {
			t.Fatalf("direct=%v: %d MGETs, want 1", direct, len(h.ids))
		}
		if same := h.ids[0] == goid(); same != direct {
			t.Errorf("ContextTimeoutEnabled=%v: command on the caller's goroutine = %v", direct, same)
		}
	}
}

// The stored key format is fixed: a change would lose every revocation
// written before an upgrade (the epoch markers would then be missing too,
// so the loss would be detected, at the price of logging everyone out).
func TestKeyFormatStable(t *testing.T) {
	r, err := New(Config{Client: redis.NewClient(&redis.Options{Addr: "127.0.0.1:0"})})
	if err != nil {
		t.Fatal(err)
	}
	tok, subj, fam, epoch := r.keySet("trialbalance", "alice", "id-1", "fam-1")
	// Computed independently: the first 16 bytes of SHA-256 over 8-byte
	// big-endian length-prefixed parts, in hex; the bucket is the first
	// ten bits of the subject digest (0x19f3 >> 6 = 0x067).
	const base = "jwtauth:19f37e46a1bca0f296cd32c782acf3b0{067}:"
	if tok != base+"t:cb12081043c20acad879133a4ea4fa0a" || subj != base+"nbf" ||
		!strings.HasPrefix(fam, base+"f:") || epoch != "jwtauth:epoch{067}" {
		t.Errorf("keys %q %q %q %q", tok, subj, fam, epoch)
	}
}
