package redisrevoker

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

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

// The check allocates no more than the client's own MGET of the same
// keys, though it also builds them: no callback, goroutine or timer of
// its own, the reply read as MGet reads it, and the arguments in one
// allocation.
func TestRevokedAllocations(t *testing.T) {
	mr := miniredis.RunT(t)
	c := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
	defer c.Close()
	r, err := New(Config{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	seedMarkers(mr, r)
	cl := jwtauth.Claims{Issuer: "trialbalance", Subject: "alice", ID: "id-1", IssuedAt: t0}
	tok, subj, _, epoch := r.keySet(cl.Issuer, cl.Subject, cl.ID, "")
	ctx := context.Background()
	check := testing.AllocsPerRun(200, func() {
		if revoked, err := r.Revoked(ctx, cl); revoked || err != nil {
			t.Fatal(revoked, err)
		}
	})
	mget := testing.AllocsPerRun(200, func() {
		if err := c.MGet(ctx, tok, subj, epoch).Err(); err != nil {
			t.Fatal(err)
		}
	})
	if check > mget {
		t.Errorf("the check allocates %v times, MGET of its keys %v", check, mget)
	}
}
