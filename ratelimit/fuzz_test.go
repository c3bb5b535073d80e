package ratelimit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/ratelimit"
)

// FuzzClientIP feeds arbitrary remote addresses and X-Forwarded-For
// values. Whatever the input: no panic, errors are ErrNoKey, the address
// returned is canonical, an untrusted peer is always the answer (so no
// header can change it), and behind a trusted proxy the answer is never a
// trusted address unless every hop was one.
func FuzzClientIP(f *testing.F) {
	seeds := []struct{ remote, xff string }{
		{"192.0.2.1:1234", ""},
		{"192.0.2.1", "203.0.113.9"},
		{"[2001:db8::1]:80", "2001:db8::2, 198.51.100.1"},
		{"10.0.0.1:1", "198.51.100.7, 10.0.0.2"},
		{"10.0.0.1:1", "garbage, 198.51.100.7"},
		{"10.0.0.1:1", "198.51.100.7, garbage"},
		{"10.0.0.1:1", " , ,"},
		{"10.0.0.1:1", "[::ffff:10.0.0.3]:8080, [fe80::1%eth0]"},
		{"[::ffff:10.0.0.1]:1", "10.0.0.2,10.0.0.3"},
		{"", ""},
		{"[", "]"},
	}
	for _, s := range seeds {
		f.Add(s.remote, s.xff)
	}
	trusted := netip.MustParsePrefix("10.0.0.0/8")
	plain, _ := ratelimit.New(ratelimit.Config{})
	proxied, _ := ratelimit.New(ratelimit.Config{TrustedProxies: []string{trusted.String()}})
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		r.Header["X-Forwarded-For"] = strings.Split(xff, "\n")

		peer, perr := plain.ClientIP(r)
		if perr != nil {
			if !errors.Is(perr, ratelimit.ErrNoKey) {
				t.Fatalf("error %v is not ErrNoKey", perr)
			}
		} else if !peer.IsValid() || peer.Is4In6() || peer.Zone() != "" {
			t.Fatalf("non-canonical address %v", peer)
		}

		got, err := proxied.ClientIP(r)
		if err != nil {
			if !errors.Is(err, ratelimit.ErrNoKey) {
				t.Fatalf("error %v is not ErrNoKey", err)
			}
			return
		}
		if perr != nil {
			t.Fatalf("unparsable peer %q gave %v", remote, got)
		}
		if !got.IsValid() || got.Is4In6() || got.Zone() != "" {
			t.Fatalf("non-canonical address %v", got)
		}
		if !trusted.Contains(peer) && got != peer {
			t.Fatalf("untrusted peer %v, but X-Forwarded-For %q chose %v", peer, xff, got)
		}
		if trusted.Contains(got) {
			// Only possible when every hop is trusted: then no entry of
			// the header is outside the trusted range.
			for _, line := range r.Header["X-Forwarded-For"] {
				for _, e := range strings.Split(line, ",") {
					if a, err := netip.ParseAddr(strings.TrimSpace(e)); err == nil && !trusted.Contains(a.Unmap()) {
						t.Fatalf("answer %v is trusted, but %v was not", got, a)
					}
				}
			}
		}
	})
}

// FuzzKeys checks that any key, however long or odd, is counted without
// error by both the limiter and the failed-login guard.
func FuzzKeys(f *testing.F) {
	for _, s := range []string{"", "alice", "{tag}x", strings.Repeat("a", 10000), "\x00\xff", "user:ü"} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	l, _ := ratelimit.New(ratelimit.Config{Rate: 1, Period: time.Hour, Now: clock})
	a, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Max: 1, Now: clock})
	f.Fuzz(func(t *testing.T, key string) {
		ctx := context.Background()
		if _, err := l.Allow(ctx, key); err != nil && !errors.Is(err, ratelimit.ErrLimited) {
			t.Fatal(err)
		}
		if _, err := a.Allow(ctx, key); err != nil && !errors.Is(err, ratelimit.ErrLimited) {
			t.Fatal(err)
		}
		if err := a.Fail(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Allow(ctx, key); !errors.Is(err, ratelimit.ErrLimited) {
			t.Fatalf("after Max failures: %v", err)
		}
		if err := a.Reset(ctx, key); err != nil {
			t.Fatal(err)
		}
	})
}
