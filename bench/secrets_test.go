package bench

// Secrets: lambdasec/secrets against the two things services do without it,
// measured in the same run. aws-secretsmanager-caching-go is not in this
// module's go.mod, so the baselines are the guide's approach (a
// GetSecretValue through the SDK on every call) and the mutex-and-map cache
// teams write by hand (no single flight, no stale serving, no backoff).

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/lambdasec/lambdasec/internal/smfake"
	"github.com/lambdasec/lambdasec/secrets"
)

const benchDBSecret = `{"engine":"mysql","host":"db.internal","port":3306,"username":"app","password":"bench-only","dbname":"orders"}`

// handRolled is the typical hand-written cache.
type handRolled struct {
	client *secretsmanager.Client
	ttl    time.Duration
	mu     sync.Mutex
	values map[string]handRolledEntry
}

type handRolledEntry struct {
	value   string
	expires time.Time
}

func (h *handRolled) get(ctx context.Context, id string) (string, error) {
	h.mu.Lock()
	e, ok := h.values[id]
	h.mu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e.value, nil
	}
	out, err := h.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	h.values[id] = handRolledEntry{aws.ToString(out.SecretString), time.Now().Add(h.ttl)}
	h.mu.Unlock()
	return aws.ToString(out.SecretString), nil
}

func benchSecretsSetup(b *testing.B) (*smfake.Server, *secrets.Cache, *handRolled) {
	sm := smfake.New()
	b.Cleanup(sm.Close)
	sm.Put("db", benchDBSecret)
	c, err := secrets.New(secrets.Config{Client: sm.Client()})
	if err != nil {
		b.Fatal(err)
	}
	return sm, c, &handRolled{client: sm.Client(), ttl: 5 * time.Minute, values: map[string]handRolledEntry{}}
}

func BenchmarkSecretsHit(b *testing.B) {
	_, c, h := benchSecretsSetup(b)
	ctx := context.Background()
	b.Run("lambdasec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Get(ctx, "db"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handrolled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.get(ctx, "db"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("uncached-sdk", func(b *testing.B) {
		client := h.client
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSecretsHitParallel(b *testing.B) {
	_, c, h := benchSecretsSetup(b)
	ctx := context.Background()
	b.Run("lambdasec", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Get(ctx, "db"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("handrolled", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := h.get(ctx, "db"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkSecretsColdMiss: the cost of a fetch through the SDK, with and
// without the cache's bookkeeping around it.
func BenchmarkSecretsColdMiss(b *testing.B) {
	_, c, h := benchSecretsSetup(b)
	ctx := context.Background()
	b.Run("lambdasec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.Invalidate("db")
			if _, err := c.Get(ctx, "db"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handrolled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.mu.Lock()
			clear(h.values)
			h.mu.Unlock()
			if _, err := h.get(ctx, "db"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSecretsColdMissPaired is BenchmarkSecretsColdMiss with the two
// sides interleaved; see pairedMedians.
func BenchmarkSecretsColdMissPaired(b *testing.B) {
	_, c, h := benchSecretsSetup(b)
	ctx := context.Background()
	pairedMedians(b, "lambdasec", func(int) {
		c.Invalidate("db")
		if _, err := c.Get(ctx, "db"); err != nil {
			b.Fatal(err)
		}
	}, "handrolled", func(int) {
		h.mu.Lock()
		clear(h.values)
		h.mu.Unlock()
		if _, err := h.get(ctx, "db"); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkSecretsStampede: 64 goroutines miss one key at once, as when a
// TTL ends under load. Reports the GetSecretValue calls each approach makes.
func BenchmarkSecretsStampede(b *testing.B) {
	sm, c, h := benchSecretsSetup(b)
	ctx := context.Background()
	run := func(b *testing.B, reset func(), get func() error) {
		before := sm.Calls()
		b.ReportAllocs()
		for b.Loop() {
			reset()
			var wg sync.WaitGroup
			for range 64 {
				wg.Go(func() {
					if err := get(); err != nil {
						b.Error(err)
					}
				})
			}
			wg.Wait()
		}
		b.ReportMetric(float64(sm.Calls()-before)/float64(b.N), "calls/op")
	}
	b.Run("lambdasec", func(b *testing.B) {
		run(b, func() { c.Invalidate("db") }, func() error { _, err := c.Get(ctx, "db"); return err })
	})
	b.Run("handrolled", func(b *testing.B) {
		run(b, func() { h.mu.Lock(); clear(h.values); h.mu.Unlock() }, func() error { _, err := h.get(ctx, "db"); return err })
	})
}
