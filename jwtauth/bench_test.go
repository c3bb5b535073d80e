package jwtauth

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
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
