package redisrevoker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/internal/revokertest"
)

func TestFamilyMiniredis(t *testing.T) {
	clk := newClock()
	mr, r := newMiniredis(t, clk)
	cfg := testConfig(clk)
	cfg.Revoker = r
	revokertest.Family(t, mustAuth(t, cfg))
	// The family record shares the subject's hash tag (one MGET, no
	// CROSSSLOT) and outlives every token of the family.
	_, subj, fam := r.keys("trialbalance", "carol", "", "fam-1")
	tag := func(k string) string { return k[:strings.IndexByte(k, '}')] }
	if tag(fam) != tag(subj) || !strings.Contains(fam, "}:f:") || strings.Contains(fam, "fam-1") {
		t.Errorf("family key %q, subject key %q", fam, subj)
	}
	if got, want := mr.TTL(fam), jwtauth.DefaultMaxLifetime+jwtauth.DefaultLeeway; got != want {
		t.Errorf("family TTL: got %v, want %v", got, want)
	}
}

func TestFamilyIntegration(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client func(testing.TB) *Revoker
	}{
		{"single", func(tb testing.TB) *Revoker {
			r, err := New(Config{Client: testenv.Redis(tb), Prefix: uniquePrefix(t)})
			if err != nil {
				tb.Fatal(err)
			}
			prepare(tb, r)
			return r
		}},
		{"cluster", func(tb testing.TB) *Revoker {
			r, err := New(Config{Client: testenv.RedisCluster(tb), Prefix: uniquePrefix(t)})
			if err != nil {
				tb.Fatal(err)
			}
			prepare(tb, r)
			return r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rev := tc.client(t) // first: Prepare waits for its not-before
			cfg := testConfig(realClock())
			cfg.Revoker = rev
			revokertest.Family(t, mustAuth(t, cfg))
			// A check still costs one MGET: on Cluster a key in another
			// slot would fail it with CROSSSLOT.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := cfg.Revoker.Revoked(ctx, jwtauth.Claims{Issuer: "trialbalance", Subject: "x", ID: "j", Family: "f"}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
