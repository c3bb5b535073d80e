package ratelimit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/lambdasec/lambdasec/internal/clocktest"
	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/redis/go-redis/v9"
)

// clock is a fake clock. When it drives a miniredis server, it moves the
// server's TIME along with it, since the Redis stores use Redis time.
type clock struct {
	*clocktest.Clock
	mu  sync.Mutex
	mrs []*miniredis.Miniredis
}

func newClock() *clock { return &clock{Clock: clocktest.New()} }

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Clock.Advance(d)
	for _, m := range c.mrs {
		m.SetTime(c.Now())
	}
}

// miniRedis starts a miniredis server whose time follows c.
func (c *clock) miniRedis(t testing.TB) (*miniredis.Miniredis, *redis.Client) {
	t.Helper()
	m := miniredis.RunT(t)
	c.mu.Lock()
	m.SetTime(c.Now())
	c.mrs = append(c.mrs, m)
	c.mu.Unlock()
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr(), ContextTimeoutEnabled: true, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	return m, rdb
}

// store is one way of configuring a limiter's store in a table test.
type store struct {
	name  string
	redis func(t testing.TB, c *clock) redis.UniversalClient
}

func stores() []store {
	return []store{
		{"memory", func(testing.TB, *clock) redis.UniversalClient { return nil }},
		{"miniredis", func(t testing.TB, c *clock) redis.UniversalClient { _, r := c.miniRedis(t); return r }},
	}
}

// logBuffer is a concurrency-safe slog destination for tests.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

// serve sends one request from remote through h.
func serve(h http.Handler, remote string, hdr http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/", nil)
	r.RemoteAddr = remote
	for k, v := range hdr {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// together runs try n times at once (released together, like a
// single-packet attack) and returns how many were allowed. Any error but
// ErrLimited fails the test.
func together(t testing.TB, n int, try func(i int) error) int {
	t.Helper()
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			err := try(i)
			if err == nil {
				allowed.Add(1)
			} else if !errors.Is(err, ratelimit.ErrLimited) {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	return int(allowed.Load())
}

// guess is one login attempt that fails: Allow, then Fail if admitted.
func guess(a *ratelimit.Attempts, key string) error {
	if _, err := a.Allow(context.Background(), key); err != nil {
		return err
	}
	return a.Fail(context.Background(), key)
}
