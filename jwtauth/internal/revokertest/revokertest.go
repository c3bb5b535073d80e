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
	s := &suite{t: t, clk: clk, rev: rev, a: newAuthenticator(t, clk, rev), ctx: context.Background()}
	t1, c1, _ := s.a.Issue(jwtauth.Grant{Subject: "alice"})
	t2, _, _ := s.a.Issue(jwtauth.Grant{Subject: "alice"})
	t3, c3, _ := s.a.Issue(jwtauth.Grant{Subject: "bob"})
	s.verify("fresh token", t1, nil)
	s.logout(c1, t1, t2)
	t4, c4 := s.logoutEverywhere(t2, t3)
	s.notBeforeOnlyRises(t4, c4)
	s.revoke(c3)
	s.verify("revoked token of other subject", t3, jwtauth.ErrTokenRevoked)
	if expire != nil {
		s.recordsExpire(expire, c3, c4)
	}
}

// suite is one run of Contract.
type suite struct {
	t   *testing.T
	clk *clocktest.Clock
	rev jwtauth.Revoker
	a   *jwtauth.Authenticator
	ctx context.Context
}

// newAuthenticator is the Authenticator Contract checks rev through.
func newAuthenticator(t *testing.T, clk *clocktest.Clock, rev jwtauth.Revoker) *jwtauth.Authenticator {
	t.Helper()
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
	return a
}

// verify checks that Verify of tok fails with want, or succeeds when
// want is nil.
func (s *suite) verify(name, tok string, want error) {
	s.t.Helper()
	_, err := s.a.Verify(s.ctx, tok)
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		s.t.Errorf("%s: got %v, want %v", name, err, want)
	}
}

// revoke revokes the token of c; an error ends the test.
func (s *suite) revoke(c jwtauth.Claims) {
	s.t.Helper()
	if err := s.a.Revoke(s.ctx, c); err != nil {
		s.t.Fatal(err)
	}
}

// logout revokes one token (twice: it must be idempotent), t1 with claims
// c1, and checks that t2, of the same subject, is still accepted.
func (s *suite) logout(c1 jwtauth.Claims, t1, t2 string) {
	s.t.Helper()
	s.revoke(c1)
	if err := s.a.Revoke(s.ctx, c1); err != nil {
		s.t.Fatalf("revoking twice: %v", err)
	}
	s.verify("revoked token", t1, jwtauth.ErrTokenRevoked)
	s.verify("other token of the same subject", t2, nil)
}

// logoutEverywhere revokes alice's tokens, t2 among them, leaving bob's
// t3 alone, and returns a token of alice issued a second later, which
// is accepted.
func (s *suite) logoutEverywhere(t2, t3 string) (string, jwtauth.Claims) {
	s.t.Helper()
	if err := s.a.RevokeSubject(s.ctx, "alice"); err != nil {
		s.t.Fatal(err)
	}
	s.verify("token of revoked subject", t2, jwtauth.ErrTokenRevoked)
	s.verify("token of other subject", t3, nil)
	s.clk.Advance(time.Second)
	t4, c4, _ := s.a.Issue(jwtauth.Grant{Subject: "alice"})
	s.verify("token issued after logout everywhere", t4, nil)
	return t4, c4
}

// notBeforeOnlyRises checks that a later not-before is never lowered by
// an earlier one (the Keycloak CVE-2026-8922 / CVE-2026-18218 class):
// max() wins, and t4 (claims c4) is refused.
func (s *suite) notBeforeOnlyRises(t4 string, c4 jwtauth.Claims) {
	s.t.Helper()
	now := s.clk.Now()
	if err := s.rev.RevokeSubject(s.ctx, "trialbalance", "alice", now.Add(10*time.Second), now.Add(time.Hour)); err != nil {
		s.t.Fatal(err)
	}
	if err := s.rev.RevokeSubject(s.ctx, "trialbalance", "alice", now.Add(-time.Hour), now.Add(time.Hour)); err != nil {
		s.t.Fatal(err)
	}
	s.verify("not-before kept at the maximum", t4, jwtauth.ErrTokenRevoked)
	if revoked, err := s.rev.Revoked(s.ctx, c4); err != nil || !revoked {
		s.t.Errorf("Revoked: got %v %v", revoked, err)
	}
}

// recordsExpire checks that records live until exp plus leeway (tokens,
// c3) and MaxLifetime plus leeway (subjects, c4); then they are gone and
// cost nothing.
func (s *suite) recordsExpire(expire func(time.Duration), c3, c4 jwtauth.Claims) {
	s.t.Helper()
	expire(15*time.Minute + jwtauth.DefaultLeeway + time.Second)
	if revoked, _ := s.rev.Revoked(s.ctx, c3); revoked {
		s.t.Error("token record outlived the token")
	}
	expire(jwtauth.DefaultMaxLifetime)
	if revoked, _ := s.rev.Revoked(s.ctx, c4); revoked {
		s.t.Error("subject record outlived MaxLifetime")
	}
}
