package password

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
)

// acquire takes one of the Hasher's n slots (GOMAXPROCS when n is zero),
// waiting until one is free or ctx ends. The semaphore is made on first
// use, so GOMAXPROCS is read then, after main has had a chance to set it.
// A ctx that has already ended gets its error even when a slot is free: a
// request the client gave up on costs no hash. Call release once the hash
// is done.
func (h *Hasher) acquire(ctx context.Context, n int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("password: not hashing: %w", err)
	}
	h.slotsOnce.Do(func() {
		h.slots = make(chan struct{}, cmp.Or(n, runtime.GOMAXPROCS(0)))
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

// release gives back the slot taken by acquire.
func (h *Hasher) release() { <-h.slots }
