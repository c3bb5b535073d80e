package password

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// N+1 concurrent hashes never run more than N at once: the last waits for
// a slot and runs once one is released. Every hashing path takes a slot.
func TestHasherBoundsConcurrentHashes(t *testing.T) {
	const n = 2
	h := &Hasher{Memory: 7168, Time: 5, MaxConcurrent: n}
	enc, err := h.Hash(t.Context(), "vivid otter lamp")
	if err != nil {
		t.Fatal(err)
	}
	var running, peak atomic.Int32
	entered := make(chan struct{}, 3*n)
	gate := make(chan struct{})
	h.inSlot = func() {
		r := running.Add(1)
		for p := peak.Load(); r > p && !peak.CompareAndSwap(p, r); p = peak.Load() {
		}
		entered <- struct{}{}
		<-gate
		running.Add(-1)
	}
	calls := []func(){
		func() { _, _ = h.Hash(t.Context(), "vivid otter lamp") },
		func() { _, _ = h.Verify(t.Context(), "vivid otter lamp", enc) },
		func() { _ = h.DummyHash() },
	}
	var wg sync.WaitGroup
	for i := range n + 1 {
		wg.Go(calls[i%len(calls)])
	}
	for range n {
		<-entered
	}
	select {
	case <-entered:
		t.Fatalf("hash %d started while %d were running (MaxConcurrent %d)", n+1, n, n)
	case <-time.After(50 * time.Millisecond):
	}
	close(gate) // the n running finish; the waiting one runs
	<-entered
	wg.Wait()
	if got := peak.Load(); got != n {
		t.Errorf("peak concurrent hashes = %d, want %d", got, n)
	}
}

// A caller waiting for a slot returns when its ctx ends, with ctx's error
// and without hashing; a ctx that has ended already never hashes.
func TestHasherWaitHonoursContext(t *testing.T) {
	h := &Hasher{Memory: 7168, Time: 5, MaxConcurrent: 1}
	enc, err := h.Hash(t.Context(), "vivid otter lamp")
	if err != nil {
		t.Fatal(err)
	}
	var hashed atomic.Int32
	hold, holding := make(chan struct{}), make(chan struct{})
	h.inSlot = func() {
		if hashed.Add(1) == 1 {
			close(holding)
			<-hold
		}
	}
	done := make(chan struct{})
	go func() { defer close(done); _, _ = h.Hash(context.Background(), "holds the only slot") }()
	<-holding

	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { _, err := h.Verify(ctx, "vivid otter lamp", enc); errc <- err }()
	time.AfterFunc(20*time.Millisecond, cancel) // most likely while Verify waits
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Verify after cancel = %v, want context.Canceled", err)
	}

	dctx, dcancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer dcancel()
	if _, err := h.Hash(dctx, "vivid otter lamp"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash past deadline = %v, want context.DeadlineExceeded", err)
	}
	close(hold)
	<-done

	// A free slot does not help a ctx that has ended already.
	if _, err := h.Hash(ctx, "vivid otter lamp"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash with an ended ctx = %v, want context.Canceled", err)
	}
	if got := hashed.Load(); got != 1 {
		t.Errorf("%d hashes ran, want only the one holding the slot", got)
	}
}

func TestHasherNegativeMaxConcurrent(t *testing.T) {
	h := &Hasher{MaxConcurrent: -1}
	if _, err := h.Hash(t.Context(), "vivid otter lamp"); !errors.Is(err, ErrInvalidHasher) {
		t.Errorf("Hash = %v, want ErrInvalidHasher", err)
	}
}
