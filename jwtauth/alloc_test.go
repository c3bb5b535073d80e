//go:build !race

// Allocation counts are compared only without the race detector: under it,
// sync.Pool drops a quarter of what is put back at random, so the pooled
// HMAC state is rebuilt a random number of times per run and two equal paths
// measure differently. scripts/test runs these tests in a step of their own
// without -race.

package jwtauth

import (
	"context"
	"testing"
)

// The hot path costs no more with a KeySource than with Keys.
func TestKeySourceNoExtraAllocation(t *testing.T) {
	static := mustAuth(t, testConfig(newClock()))
	src := &swapSource{}
	src.set.Store(mustSet(t, hsKey()))
	dynamic := sourceAuth(t, src)
	tok, _, _ := static.Issue(Grant{Subject: "alice"})
	ctx := context.Background()
	want := testing.AllocsPerRun(100, func() { _, _ = static.Verify(ctx, tok) })
	got := testing.AllocsPerRun(100, func() { _, _ = dynamic.Verify(ctx, tok) })
	if got > want {
		t.Errorf("Verify with a KeySource: %v allocations, with Keys %v", got, want)
	}
}
