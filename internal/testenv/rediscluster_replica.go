package testenv

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// AddReplica starts a private node that joins rc as a replica of
// rc.Nodes[master], and waits until it is in sync. If the master is
// stopped, the replica takes over its slots once the cluster notices
// (the node timeout is 2 s). The replica is appended to rc.Nodes.
func (rc *RedisClusterServer) AddReplica(t testing.TB, master int) *RedisServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := redis.NewClient(&redis.Options{Addr: rc.Nodes[master].Addr()})
	defer m.Close()
	masterID, err := m.ClusterMyID(ctx).Result()
	if err != nil {
		t.Fatalf("cluster myid: %v", err)
	}
	n := newRedisServer(t, nil)
	n.extra = []string{"--cluster-enabled", "yes", "--cluster-config-file",
		filepath.Join(n.dir, "nodes.conf"), "--cluster-node-timeout", "2000"}
	n.Start()
	c := redis.NewClient(&redis.Options{Addr: n.Addr()})
	defer c.Close()
	if err := c.ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(rc.Nodes[master].port)).Err(); err != nil {
		t.Fatalf("cluster meet: %v", err)
	}
	// The replica must know the master before it can follow it.
	for {
		err := c.ClusterReplicate(ctx, masterID).Err()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("cluster replicate: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for {
		info, _ := c.Info(ctx, "replication").Result()
		if strings.Contains(info, "master_link_status:up") {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("replica %s did not sync: %q", n.Addr(), info)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rc.Nodes = append(rc.Nodes, n)
	rc.WaitHealthy(t)
	return n
}

// StartRedisReplicated starts a private primary and a replica of it for
// t, and waits until the replica is in sync. To fail over, stop the
// primary and send REPLICAOF NO ONE to the replica.
func StartRedisReplicated(t testing.TB) (primary, replica *RedisServer) {
	t.Helper()
	primary, replica = StartRedis(t), StartRedis(t)
	host, port, _ := net.SplitHostPort(primary.Addr())
	c := redis.NewClient(&redis.Options{Addr: replica.Addr()})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.ReplicaOf(ctx, host, port).Err(); err != nil {
		t.Fatalf("replicaof: %v", err)
	}
	for {
		info, _ := c.Info(ctx, "replication").Result()
		if strings.Contains(info, "master_link_status:up") {
			return primary, replica
		}
		if ctx.Err() != nil {
			t.Fatalf("replica %s did not sync: %q", replica.Addr(), info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
