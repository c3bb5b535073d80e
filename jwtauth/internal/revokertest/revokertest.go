// Package revokertest holds the behaviour every jwtauth.Revoker must show,
// run by the tests of each implementation through an Authenticator.
package revokertest

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/clocktest"
	"github.com/lambdasec/lambdasec/jwtauth"
)

// Secret is a fixed HS256 secret for tests only; generate your own for
// any real use.
var Secret = []byte("q8Jz4nW1rT0vXy7LpM3sB6dF9gH2kC5e")

// Contract checks a Revoker through an Authenticator using it.
// expire, when not nil, advances the store's clock too, to check that
// records expire; against real servers it is nil.
func Contract(t *testing.T, clk *clocktest.Clock, rev jwtauth.Revoker, expire func(time.Duration)) {
	t.Helper()
	ctx := context.Background()
	a, err := jwtauth.New(jwtauth.Config{
		Keys:     []jwtauth.Key{{ID: "hs", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(Secret)}},
		Issuer:   "trialbalance",
		Audience: "trialbalance-api",
		Now:      clk.Now,
		Revoker:  rev,
		Logger:   slog.New(slog.DiscardHandler),
		// Long, so a loaded machine cannot trip it.
		RevocationTimeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	verify := func(name, tok string, want error) {
		t.Helper()
		_, err := a.Verify(ctx, tok)
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", name, err, want)
		}
	}
	t1, c1, _ := a.Issue(jwtauth.Grant{Subject: "alice"})
	t2, _, _ := a.Issue(jwtauth.Grant{Subject: "alice"})
	t3, c3, _ := a.Issue(jwtauth.Grant{Subject: "bob"})
	verify("fresh token", t1, nil)

	if err := a.Revoke(ctx, c1); err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke(ctx, c1); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	verify("revoked token", t1, jwtauth.ErrTokenRevoked)
	verify("other token of the same subject", t2, nil)

	// Logout everywhere.
	if err := a.RevokeSubject(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	verify("token of revoked subject", t2, jwtauth.ErrTokenRevoked)
	verify("token of other subject", t3, nil)
	clk.Advance(time.Second)
	t4, c4, _ := a.Issue(jwtauth.Grant{Subject: "alice"})
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
	verify("not-before kept at the maximum", t4, jwtauth.ErrTokenRevoked)
	if revoked, err := rev.Revoked(ctx, c4); err != nil || !revoked {
		t.Errorf("Revoked: got %v %v", revoked, err)
	}

	if err := a.Revoke(ctx, c3); err != nil {
		t.Fatal(err)
	}
	verify("revoked token of other subject", t3, jwtauth.ErrTokenRevoked)
	if expire == nil {
		return
	}
	// Records live until exp plus leeway (tokens) and MaxLifetime plus
	// leeway (subjects); then they are gone and cost nothing.
	expire(15*time.Minute + jwtauth.DefaultLeeway + time.Second)
	if revoked, _ := rev.Revoked(ctx, c3); revoked {
		t.Error("token record outlived the token")
	}
	expire(jwtauth.DefaultMaxLifetime)
	if revoked, _ := rev.Revoked(ctx, c4); revoked {
		t.Error("subject record outlived MaxLifetime")
	}
}
