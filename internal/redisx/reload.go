package redisx

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// reloadEvery is how often at most a Caller asks a Cluster client to
// reload its slot map.
const reloadEvery = time.Second

// reloader asks a Redis Cluster client to reload its slot map after a
// call failed without a reply from Redis. go-redis reloads the map when a
// node answers MOVED, or when the map is older than
// ClusterStateReloadInterval (60 s by default). When a master dies, no
// node answers for its slots, so without a reload every call for them
// keeps dialling the dead master for up to a minute after a replica took
// over: a minute of refused logins and failed revocation checks.
type reloader struct {
	client interface{ ReloadState(context.Context) }
	next   atomic.Int64 // unix nanoseconds before which no reload is asked
}

// after looks at a call's error and asks for a reload, at most once per
// reloadEvery, when Redis did not answer: a dial, network or deadline
// error. A reply error (a script error, MOVED, WRONGTYPE) or redis.Nil
// came from a node that answered, and a cancelled context is the
// caller's choice, so the map is not in question. The reload runs in the
// background; go-redis keeps at most one at a time.
func (r *reloader) after(err error) {
	if r == nil || err == nil || errors.Is(err, context.Canceled) {
		return
	}
	var reply redis.Error
	if errors.As(err, &reply) {
		return
	}
	now := time.Now().UnixNano()
	next := r.next.Load()
	if now < next || !r.next.CompareAndSwap(next, now+int64(reloadEvery)) {
		return
	}
	r.client.ReloadState(context.Background())
}
