package jwtauth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestIssueFamilyAndID(t *testing.T) {
	clk := newClock()
	cfg := testConfig(clk)
	cfg.Revoker = &MemoryRevoker{Now: clk.Now}
	a := mustAuth(t, cfg)
	tok, issued, err := a.Issue(Grant{Subject: "alice", Family: "fam-1", ID: "jti-1"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Family != "fam-1" || issued.Family != "fam-1" || c.ID != "jti-1" {
		t.Errorf("got fid %q jti %q, issued %+v", c.Family, c.ID, issued)
	}
	// No family: no claim at all, so tokens stay as compact as before.
	plain, _, _ := a.Issue(Grant{Subject: "alice"})
	if c, _ := a.Verify(context.Background(), plain); c.Family != "" || strings.Contains(string(c.payload), "fid") {
		t.Errorf("token without family carries %q", c.payload)
	}
	for _, tc := range []struct {
		name string
		g    Grant
	}{
		{"family too long", Grant{Subject: "alice", Family: strings.Repeat("f", 65)}},
		{"id too long", Grant{Subject: "alice", ID: strings.Repeat("j", 257)}},
		// A custom member may not stand in for the claim revocation reads.
		{"custom fid", Grant{Subject: "alice", Custom: map[string]string{"fid": "x"}}},
		{"custom FID", Grant{Subject: "alice", Custom: map[string]string{"FID": "x"}}},
	} {
		if _, _, err := a.Issue(tc.g); !errors.Is(err, ErrInvalidClaims) {
			t.Errorf("%s: got %v, want ErrInvalidClaims", tc.name, err)
		}
	}
}

// IssueAt with the same Grant (ID included) and time gives the same token
// for a deterministic algorithm: a retried refresh can answer with the
// very token it answered before.
func TestIssueAtRepeatable(t *testing.T) {
	clk := newClock()
	a := mustAuth(t, testConfig(clk))
	at := t0.Add(-time.Minute)
	g := Grant{Subject: "alice", Family: "fam-1", ID: "jti-1"}
	t1, c1, err := a.IssueAt(g, at)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Second)
	t2, _, _ := a.IssueAt(g, at)
	if t1 != t2 {
		t.Error("same grant and time gave two tokens")
	}
	if !c1.IssuedAt.Equal(at) || !c1.ExpiresAt.Equal(at.Add(DefaultTTL)) {
		t.Errorf("times: iat %v exp %v", c1.IssuedAt, c1.ExpiresAt)
	}
}

func TestRevokeFamilyErrors(t *testing.T) {
	clk := newClock()
	a := mustAuth(t, testConfig(clk))
	if err := a.RevokeFamily(context.Background(), "alice", "fam-1"); !errors.Is(err, ErrNoRevoker) {
		t.Errorf("no revoker: got %v", err)
	}
	cfg := testConfig(clk)
	cfg.Revoker = failingRevoker{}
	a = mustAuth(t, cfg)
	if err := a.RevokeFamily(context.Background(), "", "fam-1"); !errors.Is(err, ErrInvalidClaims) {
		t.Errorf("empty subject: got %v", err)
	}
	if err := a.RevokeFamily(context.Background(), "alice", "fam-1"); !errors.Is(err, ErrRevocationUnavailable) {
		t.Errorf("store down: got %v", err)
	}
}
