package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-redis/redis_rate/v10"
	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/redis/go-redis/v9"
)

// BenchmarkRateLimit compares one check through lambdasec/ratelimit with
// the same check made by calling redis_rate directly, against the real
// Redis of scripts/test and against miniredis. The difference is
// ratelimit's overhead: hashing the key, the per-check timeout and the
// result conversion. The Handler case adds the HTTP middleware (client
// address, RateLimit fields).
func BenchmarkRateLimit(b *testing.B) {
	servers := []struct {
		name string
		addr func(b *testing.B) string
	}{
		{"redis", func(b *testing.B) string { return testenv.RedisAddr(b) }},
		{"miniredis", func(b *testing.B) string { return miniredis.RunT(b).Addr() }},
	}
	const rate = 1 << 30 // never refuse: measure the check, not the 429 path
	for _, srv := range servers {
		b.Run(srv.name, func(b *testing.B) {
			rdb := redis.NewClient(&redis.Options{Addr: srv.addr(b), ContextTimeoutEnabled: true})
			b.Cleanup(func() { rdb.Close() })
			prefix := fmt.Sprintf("bench:%d:", time.Now().UnixNano())
			ctx := context.Background()

			b.Run("redis_rate", func(b *testing.B) {
				rl := redis_rate.NewLimiter(rdb)
				limit := redis_rate.Limit{Rate: rate, Burst: rate, Period: time.Hour}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := rl.Allow(ctx, prefix+"direct", limit); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("ratelimit.Allow", func(b *testing.B) {
				l, err := ratelimit.New(ratelimit.Config{Redis: rdb, Prefix: prefix, Rate: rate, Period: time.Hour,
					Timeout: time.Second, OnStoreError: ratelimit.FailClosed})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := l.Allow(ctx, "ip:192.0.2.1"); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("ratelimit.Handler", func(b *testing.B) {
				l, err := ratelimit.New(ratelimit.Config{Redis: rdb, Prefix: prefix + "h:", Rate: rate, Period: time.Hour,
					Timeout: time.Second, OnStoreError: ratelimit.FailClosed})
				if err != nil {
					b.Fatal(err)
				}
				h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.RemoteAddr = "192.0.2.1:1234"
				b.ReportAllocs()
				for b.Loop() {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					if w.Code != http.StatusOK {
						b.Fatal(w.Code)
					}
				}
			})
		})
	}
}

// BenchmarkRateLimitPaired alternates two checks on the real Redis of
// scripts/test, pair by pair (see pairedMedians): ratelimit's Allow
// against redis_rate's Allow with the same limit, and the Handler (client
// address, key, RateLimit fields, the next handler) against Allow alone,
// which is the Handler's extra cost. Run with -benchtime=5000x or more.
func BenchmarkRateLimitPaired(b *testing.B) {
	rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(b), ContextTimeoutEnabled: true})
	b.Cleanup(func() { rdb.Close() })
	prefix := fmt.Sprintf("bench:%d:", time.Now().UnixNano())
	ctx := context.Background()
	const rate = 1 << 30 // never refuse: measure the check, not the 429 path
	l, err := ratelimit.New(ratelimit.Config{Redis: rdb, Prefix: prefix, Rate: rate, Period: time.Hour,
		Timeout: time.Second, OnStoreError: ratelimit.FailClosed})
	if err != nil {
		b.Fatal(err)
	}
	allow := func(int) {
		if _, err := l.Allow(ctx, "ip:192.0.2.1"); err != nil {
			b.Fatal(err)
		}
	}
	rl := redis_rate.NewLimiter(rdb)
	limit := redis_rate.Limit{Rate: rate, Burst: rate, Period: time.Hour}
	peer := func(int) {
		if _, err := rl.Allow(ctx, prefix+"direct", limit); err != nil {
			b.Fatal(err)
		}
	}
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "192.0.2.2:1234"
	handler := func(int) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
	for i := range 100 { // load both scripts, warm the connection pool
		allow(i)
		peer(i)
		handler(i)
	}
	b.Run("Allow-vs-redis_rate", func(b *testing.B) { pairedMedians(b, "ratelimit", allow, "redis_rate", peer) })
	b.Run("Handler-vs-Allow", func(b *testing.B) { pairedMedians(b, "handler", handler, "allow", allow) })
}

// TestRateLimitMatchesRedisRate runs the same requests through ratelimit's
// own GCRA script and through redis_rate on the real Redis: both must
// admit and refuse the same requests with the same quota left.
func TestRateLimitMatchesRedisRate(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t), ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	prefix := fmt.Sprintf("bench-test:%d:", time.Now().UnixNano())
	ctx := context.Background()
	for _, lim := range []struct{ rate, burst int }{{3, 3}, {5, 2}, {7, 7}} {
		l, err := ratelimit.New(ratelimit.Config{Redis: rdb, Prefix: prefix, Rate: lim.rate, Burst: lim.burst,
			Period: time.Hour, Timeout: time.Second, OnStoreError: ratelimit.FailClosed})
		if err != nil {
			t.Fatal(err)
		}
		rl := redis_rate.NewLimiter(rdb)
		limit := redis_rate.Limit{Rate: lim.rate, Burst: lim.burst, Period: time.Hour}
		key := fmt.Sprintf("%d/%d", lim.rate, lim.burst)
		for i := range lim.burst + 3 {
			ours, err := l.Allow(ctx, key)
			if err != nil && !errors.Is(err, ratelimit.ErrLimited) {
				t.Fatal(err)
			}
			peer, perr := rl.Allow(ctx, prefix+key, limit)
			if perr != nil {
				t.Fatal(perr)
			}
			if ours.Allowed() != (peer.Allowed > 0) || ours.Remaining != peer.Remaining {
				t.Errorf("%s request %d: ratelimit allowed=%v remaining=%d, redis_rate allowed=%d remaining=%d",
					key, i, ours.Allowed(), ours.Remaining, peer.Allowed, peer.Remaining)
			}
		}
	}
}
