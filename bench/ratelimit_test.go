package bench

import (
	"context"
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
