package secrets

import (
	"math"
	"time"
)

// instant is a reading of the cache's clock, in nanoseconds since the cache
// was created. Without Config.Now it is monotonic, so wall clock steps do
// not expire or extend values, and costs one clock read.
type instant int64

// never is the instant of values that do not expire: version ids, which
// are immutable.
const never instant = math.MaxInt64

func (c *Cache) clock() instant {
	if c.nowFn == nil {
		return instant(time.Since(c.epoch))
	}
	return instant(c.nowFn().Sub(c.epoch))
}

// add returns t+d, saturating at never instead of overflowing.
func (t instant) add(d time.Duration) instant {
	if t > never-instant(d) {
		return never
	}
	return t + instant(d)
}

// A value's TTL ends on a runtime timer rather than on a clock read at each
// hit (without Config.Now): the timer clears entry.fresh, and hits only load
// it. Timers run on the same monotonic clock as time.Since, but can fire
// late: when the process is busy, or just after a Lambda execution
// environment thaws, when a handler can run before the runtime has fired
// the timers that came due during the freeze. A value can then be served
// for a moment past its TTL. The miss path reads the clock and is exact.

// expireAfter stops e serving st as a hit after d.
func (e *entry) expireAfter(st *state, d time.Duration) *time.Timer {
	return time.AfterFunc(d, func() { e.fresh.CompareAndSwap(st, nil) })
}

// stopTimer stops st's expiry timer, if any, once st is no longer read.
func (st *state) stopTimer() {
	if st != nil && st.timer != nil {
		st.timer.Stop()
	}
}
