package secrets_test

import (
	"context"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/smfake"
	"github.com/lambdasec/lambdasec/secrets"
)

// BenchmarkGetHit is the hot path: a cached value. Goal: within 1.5x a
// sync.Map load (bench/ measures both in one run) and no allocations.
func BenchmarkGetHit(b *testing.B) {
	c := newCache(b, secrets.Config{Client: secrets.Static(map[string]string{"db": secretValue})})
	ctx := context.Background()
	mustGet(b, c, "db")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Get(ctx, "db"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetHitFixedClock is BenchmarkGetHit with Config.Now set, where
// every hit calls that clock (here one that costs next to nothing) instead
// of loading the flag its expiry timer clears.
func BenchmarkGetHitFixedClock(b *testing.B) {
	t0 := time.Now()
	c := newCache(b, secrets.Config{Client: secrets.Static(map[string]string{"db": secretValue}), Now: func() time.Time { return t0 }})
	ctx := context.Background()
	mustGet(b, c, "db")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Get(ctx, "db"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetHitThreeKeys alternates between three cached secrets, as a
// handler that reads several does: each hit then writes its LRU stamp.
func BenchmarkGetHitThreeKeys(b *testing.B) {
	ids := []string{"db", "api", "jwt"}
	vals := map[string]string{}
	for _, id := range ids {
		vals[id] = secretValue
	}
	c := newCache(b, secrets.Config{Client: secrets.Static(vals)})
	ctx := context.Background()
	for _, id := range ids {
		mustGet(b, c, id)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := c.Get(ctx, ids[i%3]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGetHitParallel(b *testing.B) {
	c := newCache(b, secrets.Config{Client: secrets.Static(map[string]string{"db": secretValue})})
	ctx := context.Background()
	mustGet(b, c, "db")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Get(ctx, "db"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkGetJSONHit decodes the cached RDS secret on every call.
func BenchmarkGetJSONHit(b *testing.B) {
	c := newCache(b, secrets.Config{Client: secrets.Static(map[string]string{"db": secretValue})})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := secrets.GetJSON[secrets.DBCredentials](ctx, c, "db"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkColdMissSDK is a miss through the real SDK client (signing,
// HTTP, JSON) against a loopback endpoint.
func BenchmarkColdMissSDK(b *testing.B) {
	sm := smfake.New()
	defer sm.Close()
	sm.Put("db", secretValue)
	c := newCache(b, secrets.Config{Client: sm.Client()})
	// With a context that can end (a Lambda handler's), the fetch runs in
	// its own goroutine so that the caller can walk away from it; without
	// one (init code), the caller runs it.
	deadline, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	for _, ctx := range []struct {
		name string
		ctx  context.Context
	}{{"background", context.Background()}, {"deadline", deadline}} {
		b.Run(ctx.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Invalidate("db")
				if _, err := c.Get(ctx.ctx, "db"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseDBCredentials(b *testing.B) {
	data := []byte(secretValue)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := secrets.ParseDBCredentials(data); err != nil {
			b.Fatal(err)
		}
	}
}
