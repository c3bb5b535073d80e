package password

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
)

// acquire takes one of the Hasher's n slots ([defaultConcurrent] when n
// is zero), waiting until one is free or ctx ends. The semaphore is made on first
// use, so GOMAXPROCS is read then, after main has had a chance to set it.
// A ctx that has already ended gets its error even when a slot is free: a
// request the client gave up on costs no hash. Call release once the hash
// is done.
func (h *Hasher) acquire(ctx context.Context, n int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("password: not hashing: %w", err)
	}
	h.slotsOnce.Do(func() {
		h.slots = make(chan struct{}, cmp.Or(n, defaultConcurrent()))
	})
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("password: waiting for a free hashing slot: %w", ctx.Err())
	}
	if h.inSlot != nil {
		h.inSlot()
	}
	return nil
}

// defaultConcurrent is MaxConcurrent's default: GOMAXPROCS less one, at
// least one. Hashing on every core at once starves the goroutines that
// wait on the network: a Redis reply that has arrived is read only when a
// core is free, after its deadline (the failed-login guard's 50 ms, the
// revocation check's 100 ms), and a burst of logins turned into 503s. One
// core left free keeps those calls on time; hashes queue a little longer
// instead.
func defaultConcurrent() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// release gives back the slot taken by acquire.
func (h *Hasher) release() { <-h.slots }
