package redisrevoker

import (
	"context"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/clocktest"
	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/jwtauth"
)

// BenchmarkRevocationCheck is the revocation round trip against the
// shared Redis server (one MGET), the floor a deployment adds per request.
func BenchmarkRevocationCheck(b *testing.B) {
	c := testenv.Redis(b)
	r, err := New(Config{Client: c, Prefix: "jwtauth-bench"})
	if err != nil {
		b.Fatal(err)
	}
	prepare(b, r)
	clk := clocktest.At(time.Now())
	cfg := testConfig(clk)
	cfg.Revoker = r
	cfg.RevocationTimeout = 10 * time.Second // measure the round trip, not the timeout
	a := mustAuth(b, cfg)
	tok, _, _ := a.Issue(jwtauth.Grant{Subject: "alice"})
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
