package ratelimit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/redis/go-redis/v9"
)

func benchClients(b *testing.B) map[string]func(*testing.B) redis.UniversalClient {
	return map[string]func(*testing.B) redis.UniversalClient{
		"memory": func(*testing.B) redis.UniversalClient { return nil },
		"redis": func(b *testing.B) redis.UniversalClient {
			c := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(b), ContextTimeoutEnabled: true})
			b.Cleanup(func() { c.Close() })
			return c
		},
	}
}

func BenchmarkLimiterAllow(b *testing.B) {
	for _, name := range []string{"memory", "redis"} {
		b.Run(name, func(b *testing.B) {
			l, err := ratelimit.New(ratelimit.Config{Redis: benchClients(b)[name](b), Prefix: uniquePrefix(b),
				Rate: 1 << 30, Period: time.Hour, Timeout: time.Second, OnStoreError: ratelimit.FailClosed})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Allow(ctx, "ip:192.0.2.1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLimiterHandler(b *testing.B) {
	l, _ := ratelimit.New(ratelimit.Config{Rate: 1 << 30, Period: time.Hour})
	h := l.Handler(okHandler)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "192.0.2.1:1234"
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
	}
}

// BenchmarkLimiterManyKeys spreads requests over many addresses, as a
// flood of clients would, to show the in-process store's sweeping cost.
func BenchmarkLimiterManyKeys(b *testing.B) {
	l, _ := ratelimit.New(ratelimit.Config{Rate: 10, Period: time.Second})
	ctx := context.Background()
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = "ip:" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Allow(ctx, keys[i&(len(keys)-1)])
		i++
	}
}

func BenchmarkClientIP(b *testing.B) {
	l, _ := ratelimit.New(ratelimit.Config{TrustedProxies: []string{"130.176.0.0/17", "10.0.0.0/8"}})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.1.1.1:1234"
	r.Header.Set("X-Forwarded-For", "203.0.113.1, 198.51.100.7, 130.176.1.1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.ClientIP(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAttempts(b *testing.B) {
	for _, name := range []string{"memory", "redis"} {
		b.Run(name, func(b *testing.B) {
			a, err := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Redis: benchClients(b)[name](b), Prefix: uniquePrefix(b),
				Max: 1 << 20, Timeout: time.Second})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				// Allow, then Reset as a successful login would.
				if _, err := a.Allow(ctx, "alice"); err != nil {
					b.Fatal(err)
				}
				if err := a.Reset(ctx, "alice"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
