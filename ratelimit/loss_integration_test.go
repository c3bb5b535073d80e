package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/redis/go-redis/v9"
)

// waitUp pings rdb until it answers, so that no guess is spent on a
// reconnect.
func waitUp(t *testing.T, rdb redis.UniversalClient) {
	t.Helper()
	var err error
	for range 100 {
		if err = rdb.Ping(context.Background()).Err(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("redis did not come back: %v", err)
}

// A real redis-server killed and restarted without its data: the guard
// that had seen the account's bucket gives half of Max more guesses, not
// Max.
func TestRedisLossRestartEmpty(t *testing.T) {
	srv := testenv.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	c := newClock() // Redis keeps its own time; the clock only gates the logs
	a, events, _ := lossGuard(t, rdb, c, ratelimit.AssumeHalfUsed)
	if n := guesses(a, "alice@example.com", 20); n != 10 {
		t.Fatalf("before the restart: %d guesses, want 10", n)
	}
	srv.Stop()
	srv.Start()
	waitUp(t, rdb)
	if n := guesses(a, "alice@example.com", 20); n != 5 {
		t.Errorf("after the restart: %d guesses, want 5 (15 in the window)", n)
	}
	if n := len(lossEvents(events.Take())); n != 1 {
		t.Errorf("%d store-lost events, want 1", n)
	}
}

// A Cluster master restarted without its data (no replica): the accounts
// of its slots get half of Max more guesses, those of the other shards
// none, and the other processes, which never saw the loss, apply it too.
func TestRedisClusterLossMasterRestart(t *testing.T) {
	cl := testenv.StartRedisCluster(t)
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	c := newClock()
	a, events, _ := lossGuard(t, rdb, c, ratelimit.AssumeHalfUsed)
	accounts := accountPerNode(t, rdb, cl)
	for i, acct := range accounts {
		if n := guesses(a, acct, 20); n != 10 {
			t.Fatalf("node %d's account before the restart: %d guesses, want 10", i, n)
		}
	}
	cl.Nodes[0].Stop()
	cl.Nodes[0].Start()
	cl.WaitHealthy(t)
	waitUp(t, rdb)
	want := []int{5, 0, 0}
	for i, acct := range accounts {
		if n := guesses(a, acct, 20); n != want[i] {
			t.Errorf("node %d's account after node 0 restarted: %d guesses, want %d", i, n, want[i])
		}
	}
	if n := len(lossEvents(events.Take())); n != 1 {
		t.Errorf("%d store-lost events, want 1", n)
	}
	other, _, _ := lossGuard(t, rdb, c, ratelimit.AssumeHalfUsed)
	if n := guesses(other, sameBucket(accounts[0], true), 20); n != 5 {
		t.Errorf("another process, same bucket: %d guesses, want 5", n)
	}
}

// accountPerNode returns an account name whose keys live on each node of
// cl, in node order; nodes serve equal ranges of slots in order.
func accountPerNode(t *testing.T, rdb *redis.ClusterClient, cl *testenv.RedisClusterServer) []string {
	t.Helper()
	per := int64(16384 / len(cl.Nodes))
	accounts := make([]string, len(cl.Nodes))
	for i, found := 0, 0; found < len(accounts); i++ {
		acct := fmt.Sprintf("account-%d", i)
		slot, err := rdb.ClusterKeySlot(context.Background(), attemptsKey(acct)).Result()
		if err != nil {
			t.Fatal(err)
		}
		node := min(int(slot/per), len(accounts)-1)
		if accounts[node] == "" {
			accounts[node] = acct
			found++
		}
	}
	return accounts
}

// attemptsKey returns a key in the slot of acct's guard keys: they carry
// the hash tag of acct's bucket.
func attemptsKey(acct string) string {
	tag := redisx.BucketTag(redisx.Bucket(redisx.Digest(acct)))
	return ratelimit.DefaultAttemptsPrefix + "{" + string(tag[:]) + "}"
}

// A Cluster master with a replica killed: the replica takes over its
// slots with the failures and the markers it had received, so nothing is
// lost or given back, and the guard answers again within a few seconds
// of the failover rather than when the client next reloads its slot map
// on its own (60 s by default).
func TestRedisClusterFailoverKeepsFailures(t *testing.T) {
	cl := testenv.StartRedisCluster(t)
	cl.AddReplica(t, 0)
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	c := newClock()
	a, events, _ := lossGuard(t, rdb, c, ratelimit.AssumeHalfUsed)
	accounts := accountPerNode(t, rdb, &testenv.RedisClusterServer{Nodes: cl.Nodes[:3]})
	for i, acct := range accounts {
		if n := guesses(a, acct, 20); n != 10 {
			t.Fatalf("node %d's account before the failover: %d guesses, want 10", i, n)
		}
	}
	// WAIT makes sure the replica has every write before the kill; a
	// failover that drops the last writes is the undetected case the
	// package doc names.
	waitReplicated(t, rdb, attemptsKey(accounts[0]))
	cl.Nodes[0].Stop()
	start := time.Now()
	var err error
	for time.Since(start) < 30*time.Second {
		if _, err = a.Allow(context.Background(), accounts[0]); !errors.Is(err, ratelimit.ErrUnavailable) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(start)
	t.Logf("the guard answered for the failed shard %v after the kill", took.Round(100*time.Millisecond))
	if !errors.Is(err, ratelimit.ErrLimited) {
		t.Fatalf("after the failover: %v, want ErrLimited (failures kept)", err)
	}
	if took > 15*time.Second {
		t.Errorf("the guard took %v to answer after the failover (node timeout 2 s)", took)
	}
	for i, acct := range accounts {
		if n := guesses(a, acct, 20); n != 0 {
			t.Errorf("node %d's account after the failover: %d guesses, want 0", i, n)
		}
	}
	if n := len(lossEvents(events.Take())); n != 0 {
		t.Errorf("%d store-lost events after a failover that lost nothing", n)
	}
}

// waitReplicated waits until the master of key's slot has one replica
// acknowledging all its writes.
func waitReplicated(t *testing.T, rdb *redis.ClusterClient, key string) {
	t.Helper()
	ctx := context.Background()
	m, err := rdb.MasterForKey(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.Wait(ctx, 1, 5*time.Second).Result(); err != nil || got < 1 {
		t.Fatalf("WAIT on the master of %s: %d replicas, %v", key, got, err)
	}
}
