package jwtauth

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/clocktest"
	"github.com/lambdasec/lambdasec/internal/testenv"
)

func BenchmarkVerify(b *testing.B) {
	for _, k := range []Key{hsKey(), esKey(), rsKey(), psKey(), edKey()} {
		b.Run(string(k.Algorithm), func(b *testing.B) {
			clk := newClock()
			a := mustAuth(b, testConfig(clk, k))
			tok, _, _ := a.Issue(Grant{Subject: "alice", Scopes: []string{"ledger:read"}})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkMiddleware runs a request through Handler to a no-op handler
// that reads the claims, without revocation.
func BenchmarkMiddleware(b *testing.B) {
	clk := newClock()
	cfg := testConfig(clk)
	cfg.Logger = slog.New(slog.DiscardHandler)
	a := mustAuth(b, cfg)
	tok, _, _ := a.Issue(Grant{Subject: "alice"})
	h := a.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := FromContext(r.Context()); !ok {
			b.Fatal("no claims")
		}
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkRevocationCheck is the revocation round trip against the
// shared Redis server (one MGET), the floor a deployment adds per request.
func BenchmarkRevocationCheck(b *testing.B) {
	c := testenv.Redis(b)
	r, err := NewRedisRevoker(RedisConfig{Client: c, Prefix: "jwtauth-bench"})
	if err != nil {
		b.Fatal(err)
	}
	clk := clocktest.At(time.Now())
	cfg := testConfig(clk)
	cfg.Revoker = r
	cfg.RevocationTimeout = 10 * time.Second // measure the round trip, not the timeout
	a := mustAuth(b, cfg)
	tok, _, _ := a.Issue(Grant{Subject: "alice"})
	ctx := context.Background()
	b.Run("Verify+Redis", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
