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
