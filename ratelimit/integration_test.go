package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/eventtest"
	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/redis/go-redis/v9"
)

// uniquePrefix keeps tests apart on the shared servers.
func uniquePrefix(t testing.TB) string {
	return fmt.Sprintf("lambdasec-test:%s:%d:", strings.ReplaceAll(t.Name(), "/", "."), time.Now().UnixNano())
}

// realRedis lists the shared real servers: the single node and the
// 3-node cluster.
func realRedis(t *testing.T) map[string]redis.UniversalClient {
	return map[string]redis.UniversalClient{
		"redis":   testenv.Redis(t),
		"cluster": testenv.RedisCluster(t),
	}
}

// TestRedisLimitSharedAcrossInstances stands for several Lambda execution
// environments: separate Limiters, each with its own client, share Redis.
// The limit must hold over all of them together.
func TestRedisLimitSharedAcrossInstances(t *testing.T) {
	for name, rdb := range realRedis(t) {
		t.Run(name, func(t *testing.T) {
			prefix := uniquePrefix(t)
			var limiters []*ratelimit.Limiter
			for range 5 {
				l, err := ratelimit.New(ratelimit.Config{Redis: newClientLike(t, rdb), Prefix: prefix,
					Rate: 50, Period: time.Hour, Timeout: 10 * time.Second, OnStoreError: ratelimit.FailClosed})
				if err != nil {
					t.Fatal(err)
				}
				limiters = append(limiters, l)
			}
			allowed := together(t, 200, func(i int) error {
				_, err := limiters[i%len(limiters)].Allow(context.Background(), "client")
				return err
			})
			if allowed != 50 {
				t.Errorf("allowed %d of 200 across 5 instances, want 50", allowed)
			}
		})
	}
}

// newClientLike opens a second client to the same server or cluster, as
// another Lambda environment would.
func newClientLike(t *testing.T, rdb redis.UniversalClient) redis.UniversalClient {
	var c redis.UniversalClient
	switch r := rdb.(type) {
	case *redis.Client:
		c = redis.NewClient(&redis.Options{Addr: r.Options().Addr, ContextTimeoutEnabled: true})
	case *redis.ClusterClient:
		c = redis.NewClusterClient(&redis.ClusterOptions{Addrs: testenv.RedisClusterAddrs(t), ContextTimeoutEnabled: true})
	default:
		t.Fatalf("unexpected client %T", rdb)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// slotRecorder records the keys of every command, to show that each check
// touches one cluster slot: the limiter one key, the guard a key and its
// bucket's loss marker, which share a hash tag.
type slotRecorder struct {
	mu   sync.Mutex
	keys [][]string
}

func (s *slotRecorder) DialHook(next redis.DialHook) redis.DialHook { return next }
func (s *slotRecorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (s *slotRecorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		args := cmd.Args()
		name := strings.ToLower(fmt.Sprint(args[0]))
		var keys []string
		switch name {
		case "evalsha", "eval":
			n := args[2].(int)
			for _, k := range args[3 : 3+n] {
				keys = append(keys, k.(string))
			}
		case "del":
			for _, k := range args[1:] {
				keys = append(keys, k.(string))
			}
		}
		if keys != nil {
			s.mu.Lock()
			s.keys = append(s.keys, keys)
			s.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

func TestRedisClusterOneSlotPerCheck(t *testing.T) {
	rdb := newClientLike(t, testenv.RedisCluster(t)).(*redis.ClusterClient)
	rec := &slotRecorder{}
	rdb.AddHook(rec)
	prefix := uniquePrefix(t)
	l, _ := ratelimit.New(ratelimit.Config{Redis: rdb, Prefix: prefix + "l:", Rate: 2, Period: time.Hour,
		Timeout: 10 * time.Second, OnStoreError: ratelimit.FailClosed})
	a, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Redis: rdb, Prefix: prefix + "a:", Max: 2, Timeout: 10 * time.Second})
	ctx := context.Background()
	slots := map[int64]bool{}
	for i := range 30 {
		key := fmt.Sprintf("{user}%d", i) // a hash tag in the caller's key must not pin the slot
		for range 3 {
			l.Allow(ctx, key)
		}
		if _, err := l.Allow(ctx, key); !errors.Is(err, ratelimit.ErrLimited) {
			t.Fatalf("key %d: %v, want ErrLimited", i, err)
		}
		for range 2 {
			if _, err := a.Allow(ctx, key); err != nil {
				t.Fatal(err)
			}
			if err := a.Fail(ctx, key); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.Allow(ctx, key); !errors.Is(err, ratelimit.ErrLimited) {
			t.Fatalf("attempts key %d: %v, want ErrLimited", i, err)
		}
		if err := a.Reset(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Allow(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := a.Cancel(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.keys) == 0 {
		t.Fatal("no command recorded")
	}
	for _, ks := range rec.keys {
		if len(ks) > 2 {
			t.Fatalf("a command touched keys %q", ks)
		}
		var first int64 = -1
		for _, k := range ks {
			slot, err := rdb.ClusterKeySlot(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			if first >= 0 && slot != first {
				t.Fatalf("one command touched keys %q in slots %d and %d", ks, first, slot)
			}
			first = slot
			slots[slot] = true
		}
	}
	if len(slots) < 20 {
		t.Errorf("60 keys landed in only %d slots", len(slots))
	}
}

func TestRedisAttemptsShared(t *testing.T) {
	for name, rdb := range realRedis(t) {
		t.Run(name, func(t *testing.T) {
			prefix := uniquePrefix(t)
			var guards []*ratelimit.Attempts
			for range 4 {
				a, err := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Redis: newClientLike(t, rdb), Prefix: prefix, Timeout: 10 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				guards = append(guards, a)
			}
			admitted := together(t, 100, func(i int) error { return guess(guards[i%len(guards)], "alice@example.com") })
			if admitted != 10 {
				t.Fatalf("%d concurrent guesses admitted across 4 instances, want 10", admitted)
			}
			res, err := guards[0].Allow(context.Background(), "alice@example.com")
			if !errors.Is(err, ratelimit.ErrLimited) || res.RetryAfter <= 14*time.Minute || res.RetryAfter > 15*time.Minute {
				t.Errorf("after 10 failures: %+v, %v; want a wait just under 15m", res, err)
			}
			if err := guards[1].Reset(context.Background(), "alice@example.com"); err != nil {
				t.Fatal(err)
			}
			if _, err := guards[2].Allow(context.Background(), "alice@example.com"); err != nil {
				t.Errorf("after Reset on another instance: %v", err)
			}
		})
	}
}

// TestRedisKeysExpire checks that the keys carry a TTL, so Redis does not
// fill up with the state of clients gone long ago. The guard's loss
// markers (one per bucket, at most 1,024 per prefix) do not expire: a
// marker that expired would read as a loss.
func TestRedisKeysExpire(t *testing.T) {
	rdb := testenv.Redis(t)
	prefix := uniquePrefix(t)
	l, _ := ratelimit.New(ratelimit.Config{Redis: rdb, Prefix: prefix + "l:", Rate: 10, Period: time.Minute, Timeout: 10 * time.Second})
	a, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Redis: rdb, Prefix: prefix + "a:", Timeout: 10 * time.Second})
	ctx := context.Background()
	l.Allow(ctx, "k")
	a.Allow(ctx, "k")
	a.Fail(ctx, "k")
	keys, err := rdb.Keys(ctx, "*"+prefix+"*").Result()
	if err != nil || len(keys) != 3 {
		t.Fatalf("keys %q, %v; want 3 (limiter, guard, guard's marker)", keys, err)
	}
	for _, k := range keys {
		ttl, err := rdb.PTTL(ctx, k).Result()
		if strings.Contains(k, "epoch{") {
			if ttl != -1 {
				t.Errorf("marker %s: TTL %v, %v; want none", k, ttl, err)
			}
			continue
		}
		if err != nil || ttl <= 0 || ttl > 15*time.Minute {
			t.Errorf("%s: TTL %v, %v", k, ttl, err)
		}
		if strings.Contains(k, "k") && strings.HasSuffix(k, ":k") {
			t.Errorf("key %s holds the caller's key in clear", k)
		}
	}
}

// TestRedisStoppedMidTest stops a private Redis under running limiters:
// each follows its policy, no check waits much beyond its timeout, and
// they count again once Redis is back.
func TestRedisStoppedMidTest(t *testing.T) {
	srv := testenv.StartRedis(t)
	// Default client options: go-redis would wait seconds for a dead
	// server; the check must not.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rdb.Close() })
	checkStoreOutage(t, rdb, srv.Stop, srv.Start)
}

func TestRedisClusterStoppedMidTest(t *testing.T) {
	cl := testenv.StartRedisCluster(t)
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs(), ContextTimeoutEnabled: true, MaxRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	checkStoreOutage(t, rdb, func() {
		for _, n := range cl.Nodes {
			n.Stop()
		}
	}, func() {
		for _, n := range cl.Nodes {
			n.Start()
		}
		cl.WaitHealthy(t)
	})
}

func checkStoreOutage(t *testing.T, rdb redis.UniversalClient, stop, start func()) {
	t.Helper()
	ctx := context.Background()
	// Long enough for a loaded machine to answer before and after the
	// outage; the bound is far below the seconds go-redis would spend
	// redialling on its own.
	const timeout = 250 * time.Millisecond
	const bound = 2 * time.Second
	open, _ := ratelimit.New(ratelimit.Config{Redis: rdb, Name: "open", Rate: 1, Period: time.Hour, Timeout: timeout, Logger: discard()})
	closed, _ := ratelimit.New(ratelimit.Config{Redis: rdb, Name: "closed", Rate: 1, Period: time.Hour, Timeout: timeout,
		OnStoreError: ratelimit.FailClosed, Logger: discard()})
	events := &eventtest.Recorder{}
	guard, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Redis: rdb, Max: 2, Timeout: timeout, Logger: discard(), Events: events})

	check := func(when string, wantOpen, wantClosed, wantGuard error) {
		t.Helper()
		for _, c := range []struct {
			name string
			f    func() error
			want error
		}{
			{"fail-open limiter", func() error { _, err := open.Allow(ctx, "k"); return err }, wantOpen},
			{"fail-closed limiter", func() error { _, err := closed.Allow(ctx, "k"); return err }, wantClosed},
			{"login guard", func() error { _, err := guard.Allow(ctx, "k"); return err }, wantGuard},
		} {
			begin := time.Now()
			err := c.f()
			if d := time.Since(begin); d > bound {
				t.Errorf("%s, %s: took %v, timeout %v", when, c.name, d, timeout)
			}
			if !errors.Is(err, c.want) {
				t.Errorf("%s, %s: %v, want %v", when, c.name, err, c.want)
			}
		}
	}
	check("before", nil, nil, nil)
	guard.Fail(ctx, "k") // one of the guard's two failures used
	stop()
	check("while stopped", nil, ratelimit.ErrUnavailable, ratelimit.ErrUnavailable)
	check("still stopped", nil, ratelimit.ErrUnavailable, ratelimit.ErrUnavailable)
	start()
	// The restarted server lost its data: each limiter key starts afresh;
	// the guard finds its bucket's marker gone and counts half its Max as
	// used (1 of 2), so it admits one attempt, as before the outage. Then
	// all are counted again.
	var err error
	for range 50 { // the client may need a few calls to reconnect
		if _, err = closed.Allow(ctx, "warm-up"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("no recovery: %v", err)
	}
	check("after restart", nil, nil, nil)
	check("counting again", ratelimit.ErrLimited, ratelimit.ErrLimited, ratelimit.ErrLimited)
	var lost int
	for _, e := range events.All() {
		if e.Reason == "ratelimit_store_lost" {
			lost++
		}
	}
	if lost != 1 {
		t.Errorf("%d store-lost events, want 1", lost)
	}
}

// TestUnresponsiveRedis points a client with default options at a server
// that accepts connections and never answers (a black-holed network path):
// go-redis alone would wait for its 3 s read timeout and retry; the check
// returns at its own deadline.
func TestUnresponsiveRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	rdb := redis.NewClient(&redis.Options{Addr: ln.Addr().String()})
	t.Cleanup(func() { rdb.Close() })
	l, _ := ratelimit.New(ratelimit.Config{Redis: rdb, OnStoreError: ratelimit.FailClosed, Logger: discard()})
	a, _ := ratelimit.NewAttempts(ratelimit.AttemptsConfig{Redis: rdb, Logger: discard()})
	h := l.Handler(okHandler)
	begin := time.Now()
	w := serve(h, "192.0.2.1:1", nil)
	_, aerr := a.Allow(context.Background(), "k")
	if d := time.Since(begin); d > 2*time.Second { // go-redis alone: 3 s per read, and retries
		t.Errorf("two checks took %v with a 50 ms timeout", d)
	}
	if w.Code != http.StatusServiceUnavailable || !errors.Is(aerr, ratelimit.ErrUnavailable) {
		t.Errorf("status %d, attempts %v; want 503 and ErrUnavailable", w.Code, aerr)
	}
}
