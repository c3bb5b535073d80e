package jwtauth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestMemoryRevoker(t *testing.T) {
	clk := newClock()
	m := &MemoryRevoker{Now: clk.Now}
	// Writes sweep what has expired.
	for range 4 {
		_ = m.RevokeToken(context.Background(), Claims{ID: "x"}, clk.Now().Add(time.Minute))
	}
	m.mu.Lock()
	n := len(m.tokens) + len(m.subjects)
	m.mu.Unlock()
	if n != 1 {
		t.Errorf("%d records after sweep, want 1", n)
	}
	var zero MemoryRevoker // zero value works
	if err := zero.RevokeToken(context.Background(), Claims{ID: "y"}, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := zero.Revoked(context.Background(), Claims{ID: "y"}); !ok {
		t.Error("zero MemoryRevoker lost a revocation")
	}
	if err := zero.RevokeToken(context.Background(), Claims{}, time.Now()); !errors.Is(err, ErrInvalidClaims) {
		t.Errorf("no jti: got %v", err)
	}
}

// countingRevoker counts Revoked calls.
type countingRevoker struct {
	MemoryRevoker
	mu    sync.Mutex
	calls int
}

func (c *countingRevoker) Revoked(ctx context.Context, cl Claims) (bool, error) {
	c.mu.Lock()
	c.calls++
	c.mu.Unlock()
	return c.MemoryRevoker.Revoked(ctx, cl)
}

// A flood of unknown kids, bad signatures or expired tokens costs
// no I/O: the store is asked only about tokens that passed every other
// check.
func TestNoStoreIOForInvalidTokens(t *testing.T) {
	clk := newClock()
	rev := &countingRevoker{MemoryRevoker: MemoryRevoker{Now: clk.Now}}
	cfg := testConfig(clk)
	cfg.Revoker = rev
	a := mustAuth(t, cfg)
	good := forge(t, hsKey(), hdr("HS256", "hs"), payload())
	h, p, _ := splitT(good)
	for _, tok := range []string{
		forge(t, hsKey(), hdr("HS256", "unknown-kid"), payload()),
		h + "." + p + "." + b64("0123456789abcdef0123456789abcdef"),
		forge(t, hsKey(), hdr("HS256", "hs"), payload("exp=1", "-iat", "-nbf")),
	} {
		if _, err := a.Verify(context.Background(), tok); err == nil {
			t.Fatal("accepted an invalid token")
		}
	}
	if rev.calls != 0 {
		t.Errorf("store asked %d times about invalid tokens", rev.calls)
	}
	if _, err := a.Verify(context.Background(), good); err != nil || rev.calls != 1 {
		t.Errorf("valid token: err %v, %d calls", err, rev.calls)
	}
}

// Claims built by hand without exp or sub cannot be revoked: Revoke says
// so rather than reporting success for a record that would never be
// written or never be found.
func TestRevokeIncompleteClaims(t *testing.T) {
	clk := newClock()
	cfg := testConfig(clk)
	cfg.Revoker = &MemoryRevoker{Now: clk.Now}
	a := mustAuth(t, cfg)
	exp := t0.Add(time.Minute)
	for name, c := range map[string]Claims{
		"no exp": {Issuer: "trialbalance", Subject: "alice", ID: "id-1"},
		"no sub": {Issuer: "trialbalance", ID: "id-1", ExpiresAt: exp},
	} {
		if err := a.Revoke(context.Background(), c); !errors.Is(err, ErrInvalidClaims) {
			t.Errorf("%s: got %v, want ErrInvalidClaims", name, err)
		}
	}
	// An expired token needs no record: that is not an error.
	_, c, _ := a.Issue(Grant{Subject: "alice"})
	clk.Advance(time.Hour)
	if err := a.Revoke(context.Background(), c); err != nil {
		t.Errorf("expired token: got %v", err)
	}
}
