package redisx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

type countReload struct{ n atomic.Int32 }

func (c *countReload) ReloadState(context.Context) { c.n.Add(1) }

// replyError is an error a Redis node answered with.
type replyError string

func (e replyError) Error() string { return string(e) }
func (replyError) RedisError()     {}

func TestReloadAfter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		reload bool
	}{
		{"success", nil, false},
		{"nil reply", redis.Nil, false},
		{"reply error", replyError("NOSCRIPT No matching script"), false},
		{"wrapped reply error", fmt.Errorf("script: %w", replyError("MOVED 1 127.0.0.1:1")), false},
		{"dial error", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{"deadline", context.DeadlineExceeded, true},
		{"cancelled by the caller", context.Canceled, false},
		{"unexpected reply", errors.New("unexpected reply from redis"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &countReload{}
			r := &reloader{client: c}
			r.after(tc.err)
			if got := c.n.Load() == 1; got != tc.reload {
				t.Errorf("reload asked: %v, want %v", got, tc.reload)
			}
		})
	}
	// At most one request per reloadEvery, however many calls fail.
	c := &countReload{}
	r := &reloader{client: c}
	for range 1000 {
		r.after(context.DeadlineExceeded)
	}
	if n := c.n.Load(); n != 1 {
		t.Errorf("1,000 failures asked for %d reloads, want 1", n)
	}
	// A nil reloader (not a Cluster client) does nothing.
	var none *reloader
	none.after(context.DeadlineExceeded)
}

// Only a Cluster client gets a reloader.
func TestNewCallerReload(t *testing.T) {
	single := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	t.Cleanup(func() { single.Close(); cluster.Close() })
	if NewCaller(single, 0).reload != nil {
		t.Error("a single-node client got a reloader")
	}
	if NewCaller(cluster, 0).reload == nil {
		t.Error("a Cluster client got no reloader")
	}
}
