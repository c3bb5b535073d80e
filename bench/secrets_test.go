package bench

// Secrets: lambdasec/secrets against the two things services do without it,
// measured in the same run: a GetSecretValue through the SDK on every call,
// and the mutex-and-map cache teams write by hand (no single flight, no
// stale serving, no backoff). The floor for a cached read is a sync.Map
// load of the same key. aws-secretsmanager-caching-go is not compared: its
// module is not served by the module proxy this module builds from.

import (
	"context"
	"fmt"
	"slices"
	"strings"
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

// BenchmarkSecretsHitFloor: a cached Get beside a sync.Map load of the same
// key (the floor: one hashed lookup and an atomic load, nothing checked),
// a cached Get in a cache of 16 secrets (where the id is hashed too) and
// the hand-rolled cache, in batches interleaved ABBA so that the ratios
// come from the same moments of the same run.
func BenchmarkSecretsHitFloor(b *testing.B) {
	_, c, h := benchSecretsSetup(b)
	ctx := context.Background()
	var m sync.Map
	m.Store("db", benchDBSecret)
	if _, err := c.Get(ctx, "db"); err != nil {
		b.Fatal(err)
	}
	// many holds more secrets than the cache compares one by one, so its
	// lookups hash the id as sync.Map does.
	sm, _, _ := benchSecretsSetup(b)
	many, err := secrets.New(secrets.Config{Client: sm.Client()})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 16 {
		id := fmt.Sprint("db", i)
		sm.Put(id, benchDBSecret)
		if _, err := many.Get(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
	hashedID := strings.Clone("db7") // a copy: equal bytes, another pointer
	if _, err := h.get(ctx, "db"); err != nil {
		b.Fatal(err)
	}
	var sink int
	pairedBatches(b, []namedBatch{
		{"syncmap", func(n int) {
			for range n {
				v, _ := m.Load("db")
				sink += len(v.(string))
			}
		}},
		{"lambdasec", func(n int) {
			for range n {
				s, err := c.Get(ctx, "db")
				if err != nil {
					b.Fatal(err)
				}
				sink += len(s.VersionID())
			}
		}},
		{"lambdasec-16ids", func(n int) {
			for range n {
				s, err := many.Get(ctx, hashedID)
				if err != nil {
					b.Fatal(err)
				}
				sink += len(s.VersionID())
			}
		}},
		{"handrolled", func(n int) {
			for range n {
				v, err := h.get(ctx, "db")
				if err != nil {
					b.Fatal(err)
				}
				sink += len(v)
			}
		}},
	})
	_ = sink
}

type namedBatch struct {
	name string
	run  func(n int)
}

// pairedBatches times batches of calls of each side in turn, the order
// reversed every round (ABBA), and reports each side's median ns per call
// and the medians of the per-round ratios of every side to the first one.
// Batches are long enough that the clock reads around them do not count.
func pairedBatches(b *testing.B, sides []namedBatch) {
	b.Helper()
	const batch = 4096
	per := make([][]float64, len(sides))
	ratios := make([][]float64, len(sides))
	round := 0
	for b.Loop() {
		ns := make([]float64, len(sides))
		for j := range sides {
			i := j
			if round%2 == 1 {
				i = len(sides) - 1 - j
			}
			start := time.Now()
			sides[i].run(batch)
			ns[i] = float64(time.Since(start).Nanoseconds()) / batch
		}
		for i := range sides {
			per[i] = append(per[i], ns[i])
			ratios[i] = append(ratios[i], ns[i]/ns[0])
		}
		round++
	}
	b.StopTimer()
	median := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	for i, s := range sides {
		b.ReportMetric(median(per[i]), s.name+"-ns/op")
		if i > 0 {
			b.ReportMetric(median(ratios[i]), s.name+"/"+sides[0].name)
		}
	}
}
