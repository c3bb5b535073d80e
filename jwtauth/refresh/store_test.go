package refresh

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/jwtauth"
)

// A chain of 100 exchanges: each pair works, each spent token is refused,
// and the access tokens all carry the family.
func TestRotationChain(t *testing.T) {
	servers(t, func(t *testing.T, c redis.UniversalClient) {
		f := newFixture(t, c, nil)
		first := f.login(t, "alice")
		fid := first.Claims.Family
		if fid == "" {
			t.Fatal("access token without family")
		}
		tk := first
		spent := []Token{}
		var prev Tokens
		for i := range 100 {
			f.clk.Advance(time.Minute)
			next := f.mustExchange(t, tk.RefreshToken)
			if next.RefreshToken.Reveal() == tk.RefreshToken.Reveal() || next.AccessToken == tk.AccessToken {
				t.Fatalf("exchange %d returned the old tokens", i)
			}
			if next.Claims.Family != fid || next.Claims.Subject != "alice" || !next.Claims.HasScope("ledger:read") {
				t.Fatalf("exchange %d: claims %+v", i, next.Claims)
			}
			spent = append(spent, tk.RefreshToken)
			prev, tk = tk, next
		}
		f.verify(t, "newest access token", tk.AccessToken, nil)
		// Token 50 presented again: the chain was stolen at some point.
		_, err := f.exchange(t, spent[50])
		wantErr(t, "reused token of generation 50", err, ErrReused)
		_, err = f.exchange(t, tk.RefreshToken)
		wantErr(t, "newest refresh token after reuse", err, ErrRevoked)
		f.verify(t, "newest access token after reuse", tk.AccessToken, jwtauth.ErrTokenRevoked)
		f.verify(t, "previous access token after reuse", prev.AccessToken, jwtauth.ErrTokenRevoked)
	})
}

// Two uses of one token at the same moment: exactly one new pair.
func TestConcurrentDoubleUse(t *testing.T) {
	servers(t, func(t *testing.T, c redis.UniversalClient) {
		for _, grace := range []time.Duration{0, 10 * time.Second} {
			f := newFixture(t, c, func(cfg *Config) { cfg.GracePeriod = grace })
			tk := f.login(t, "alice")
			const n = 8
			var wg sync.WaitGroup
			results := make([]Tokens, n)
			errs := make([]error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					results[i], errs[i] = f.exchange(t, tk.RefreshToken)
				})
			}
			close(start)
			wg.Wait()
			pairs := map[string]bool{}
			reused := 0
			for i := range n {
				switch {
				case errs[i] == nil:
					pairs[results[i].RefreshToken.Reveal()+" "+results[i].AccessToken] = true
				case grace == 0 && errors.Is(errs[i], ErrReused):
					reused++
				case grace == 0 && errors.Is(errs[i], ErrRevoked): // after the first reuse
				default:
					t.Errorf("grace %v: use %d: %v", grace, i, errs[i])
				}
			}
			if grace == 0 && reused == 0 {
				t.Error("no use was detected as reuse")
			}
			if len(pairs) != 1 {
				t.Fatalf("grace %v: %d distinct pairs, want exactly 1", grace, len(pairs))
			}
			var won Tokens
			for i := range n {
				if errs[i] == nil {
					won = results[i]
				}
			}
			if grace == 0 {
				// The losers revoked the family: the winner's tokens too.
				_, err := f.exchange(t, won.RefreshToken)
				wantErr(t, "winner's refresh token", err, ErrRevoked)
				f.verify(t, "winner's access token", won.AccessToken, jwtauth.ErrTokenRevoked)
			} else {
				f.verify(t, "shared access token", won.AccessToken, nil)
				f.mustExchange(t, won.RefreshToken)
			}
		}
	})
}

func TestReuseAfterRotation(t *testing.T) {
	servers(t, func(t *testing.T, c redis.UniversalClient) {
		f := newFixture(t, c, nil)
		t0 := f.login(t, "alice")
		other := f.login(t, "alice") // a second session (another device)
		t1 := f.mustExchange(t, t0.RefreshToken)
		_, err := f.exchange(t, t0.RefreshToken)
		wantErr(t, "old token again", err, ErrReused)
		_, err = f.exchange(t, t1.RefreshToken)
		wantErr(t, "new token after reuse", err, ErrRevoked)
		f.verify(t, "family's access token", t1.AccessToken, jwtauth.ErrTokenRevoked)
		f.verify(t, "other session's access token", other.AccessToken, nil)
		f.mustExchange(t, other.RefreshToken)
	})
}

func TestGraceRetry(t *testing.T) {
	servers(t, func(t *testing.T, c redis.UniversalClient) {
		f := newFixture(t, c, func(cfg *Config) { cfg.GracePeriod = 5 * time.Second })
		t0 := f.login(t, "alice")
		t1 := f.mustExchange(t, t0.RefreshToken)
		f.clk.Advance(4 * time.Second)
		again := f.mustExchange(t, t0.RefreshToken) // the answer was lost
		if again.RefreshToken.Reveal() != t1.RefreshToken.Reveal() || again.AccessToken != t1.AccessToken {
			t.Error("retry within the grace period did not return the same pair")
		}
		// Only the immediately previous token: once t1 is spent, t0 is
		// two generations old and its use is reuse, grace or not.
		t2 := f.mustExchange(t, t1.RefreshToken)
		_, err := f.exchange(t, t0.RefreshToken)
		wantErr(t, "token two generations old", err, ErrReused)
		f.verify(t, "access token after reuse", t2.AccessToken, jwtauth.ErrTokenRevoked)

		// After the grace period, the previous token is reuse.
		s0 := f.login(t, "bob")
		s1 := f.mustExchange(t, s0.RefreshToken)
		f.clk.Advance(5 * time.Second)
		_, err = f.exchange(t, s0.RefreshToken)
		wantErr(t, "retry after the grace period", err, ErrReused)
		_, err = f.exchange(t, s1.RefreshToken)
		wantErr(t, "new token after late retry", err, ErrRevoked)
	})
}

func TestExpiry(t *testing.T) {
	servers(t, func(t *testing.T, c redis.UniversalClient) {
		f := newFixture(t, c, func(cfg *Config) { cfg.Lifetime = 10 * 24 * time.Hour; cfg.IdleTimeout = 3 * 24 * time.Hour })
		// Idle: unused for the idle timeout.
		tk := f.login(t, "alice")
		if want := f.clk.Now().Add(3 * 24 * time.Hour); !tk.RefreshExpiresAt.Equal(want.Truncate(time.Millisecond)) {
			t.Errorf("RefreshExpiresAt %v, want %v", tk.RefreshExpiresAt, want)
		}
		f.clk.Advance(3 * 24 * time.Hour)
		_, err := f.exchange(t, tk.RefreshToken)
		wantErr(t, "idle family", err, ErrInvalidToken)

		// Absolute: used every two days, it still ends 10 days after the
		// login; rotation never extends it.
		start := f.clk.Now()
		tk = f.login(t, "alice")
		for f.clk.Now().Sub(start) < 8*24*time.Hour {
			f.clk.Advance(2 * 24 * time.Hour)
			tk = f.mustExchange(t, tk.RefreshToken)
			if tk.RefreshExpiresAt.After(start.Add(10 * 24 * time.Hour)) {
				t.Fatalf("RefreshExpiresAt %v after the family's end", tk.RefreshExpiresAt)
			}
		}
		f.clk.Advance(2 * 24 * time.Hour)
		_, err = f.exchange(t, tk.RefreshToken)
		wantErr(t, "family past its lifetime", err, ErrInvalidToken)
	})
}

func TestLogout(t *testing.T) {
	servers(t, func(t *testing.T, c redis.UniversalClient) {
		f := newFixture(t, c, nil)
		ctx := context.Background()
		a := f.login(t, "alice")
		b := f.login(t, "alice")
		if err := f.store.Logout(ctx, a.Claims); err != nil {
			t.Fatal(err)
		}
		_, err := f.exchange(t, a.RefreshToken)
		wantErr(t, "logged-out refresh token", err, ErrRevoked)
		f.verify(t, "logged-out access token", a.AccessToken, jwtauth.ErrTokenRevoked)
		f.verify(t, "other session", b.AccessToken, nil)
		if err := f.store.Logout(ctx, a.Claims); err != nil {
			t.Errorf("second logout: %v", err)
		}
		if err := f.store.Logout(ctx, jwtauth.Claims{Subject: "alice"}); !errors.Is(err, jwtauth.ErrInvalidClaims) {
			t.Errorf("token of no family: got %v", err)
		}
		// Log out everywhere.
		if err := f.store.RevokeSubject(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		_, err = f.exchange(t, b.RefreshToken)
		wantErr(t, "refresh token after log out everywhere", err, ErrRevoked)
		f.verify(t, "access token after log out everywhere", b.AccessToken, jwtauth.ErrTokenRevoked)
		f.clk.Advance(time.Second)
		fresh := f.login(t, "alice")
		f.verify(t, "login after log out everywhere", fresh.AccessToken, nil)
		f.mustExchange(t, fresh.RefreshToken)
	})
}

func TestClientBinding(t *testing.T) {
	servers(t, func(t *testing.T, c redis.UniversalClient) {
		f := newFixture(t, c, nil)
		tk := f.login(t, "alice")
		_, err := f.store.Exchange(context.Background(), tk.RefreshToken.Reveal(), "mobile")
		wantErr(t, "other client", err, ErrInvalidToken)
		f.mustExchange(t, tk.RefreshToken) // nothing changed
	})
}

// Keys name hashes and the subject's tag only, share one slot per
// subject, all expire, and no value holds a token.
func TestStoredState(t *testing.T) {
	servers(t, func(t *testing.T, c redis.UniversalClient) {
		f := newFixture(t, c, func(cfg *Config) { cfg.GracePeriod = 5 * time.Second })
		t0 := f.login(t, "alice@example.com")
		t1 := f.mustExchange(t, t0.RefreshToken)
		fam, mark := f.store.keys(subjectTag("alice@example.com"), t1.Claims.Family)
		if strings.Contains(fam, "alice") || fam[:strings.IndexByte(fam, '}')] != mark[:strings.IndexByte(mark, '}')] {
			t.Errorf("keys %q %q", fam, mark)
		}
		ctx := context.Background()
		vals, err := c.HGetAll(ctx, fam).Result()
		if err != nil || len(vals) == 0 {
			t.Fatalf("family record: %v %v", vals, err)
		}
		for k, v := range vals {
			for _, tok := range []string{t0.RefreshToken.Reveal(), t1.RefreshToken.Reveal(), t1.AccessToken} {
				if strings.Contains(v, tok) || strings.Contains(v, tok[22:43]) {
					t.Errorf("field %s holds a token", k)
				}
			}
		}
		if ttl, err := c.PTTL(ctx, fam).Result(); err != nil || ttl <= 0 || ttl > DefaultIdleTimeout {
			t.Errorf("family TTL %v %v", ttl, err)
		}
	})
}

func TestMalformedTokens(t *testing.T) {
	servers(t, func(t *testing.T, c redis.UniversalClient) {
		f := newFixture(t, c, nil)
		tk := f.login(t, "alice").RefreshToken.Reveal()
		for _, tc := range []struct{ name, tok string }{
			{"empty", ""},
			{"short", tk[:85]},
			{"long", tk + "A"},
			{"padding", tk[:84] + "=="},
			{"not base64url", tk[:85] + "+"},
			// A token of a family that does not exist (another secret and
			// family key) is unknown, not reuse.
			{"unknown family", tk[:22] + strings.Repeat("A", 64)},
		} {
			_, err := f.store.Exchange(context.Background(), tc.tok, "web")
			wantErr(t, tc.name, err, ErrInvalidToken)
		}
	})
}

// A store that is down or does not answer: nothing is issued, 503.
func TestStoreDown(t *testing.T) {
	up := newFixture(t, testenv.Redis(t), nil)
	tk := up.login(t, "alice")
	// A listener that accepts and never answers: the deadline must end
	// the call, not go-redis's own read timeout.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	for _, tc := range []struct{ name, addr string }{
		{"refused", "127.0.0.1:1"},
		{"silent", ln.Addr().String()},
	} {
		c := redis.NewClient(&redis.Options{Addr: tc.addr, MaxRetries: -1, DialTimeout: time.Second})
		s, err := New(Config{Client: c, Authenticator: up.auth, Prefix: up.prefix, Timeout: 200 * time.Millisecond,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = s.Exchange(context.Background(), tk.RefreshToken.Reveal(), "web")
		wantErr(t, tc.name+": exchange", err, ErrUnavailable)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: exchange took %v", tc.name, d)
		}
		_, err = s.Login(context.Background(), jwtauth.Grant{Subject: "alice"}, "web")
		wantErr(t, tc.name+": login", err, ErrUnavailable)
		wantErr(t, tc.name+": logout", s.RevokeFamily(context.Background(), "alice", tk.Claims.Family), ErrUnavailable)
		rec := httptest.NewRecorder()
		WriteError(rec, httptest.NewRequest(http.MethodPost, "/", nil), err)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: WriteError: %d %v", tc.name, rec.Code, rec.Header())
		}
		c.Close()
	}
	// The token was never spent: the real store still exchanges it.
	up.mustExchange(t, tk.RefreshToken)
}

func TestNewConfig(t *testing.T) {
	f := newFixture(t, testenv.Redis(t), nil)
	noRevoker, _ := jwtauth.New(jwtauth.Config{Keys: []jwtauth.Key{{Algorithm: jwtauth.EdDSA, PrivateKey: testKey}}})
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no client", Config{Authenticator: f.auth}},
		{"no authenticator", Config{Client: f.client}},
		{"authenticator without revoker", Config{Client: f.client, Authenticator: noRevoker}},
		{"brace in prefix", Config{Client: f.client, Authenticator: f.auth, Prefix: "a{b}"}},
		{"idle over lifetime", Config{Client: f.client, Authenticator: f.auth, IdleTimeout: 40 * 24 * time.Hour}},
		{"grace too long", Config{Client: f.client, Authenticator: f.auth, GracePeriod: 2 * time.Minute}},
	} {
		if _, err := New(tc.cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: got %v, want ErrInvalidConfig", tc.name, err)
		}
	}
}
