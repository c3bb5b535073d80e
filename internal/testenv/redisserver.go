package testenv

import (
	"context"
	"fmt"
	"net"

	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisServer is a private redis-server process that a test may stop and
// start again, to see what its code does while Redis is down. It listens on
// the same loopback port across restarts. Stop it only through its methods.
type RedisServer struct {
	t     testing.TB
	bin   string
	dir   string
	port  int
	extra []string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// StartRedis starts a private Redis server for t, stopped when t ends.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	s := newRedisServer(t, nil)
	s.Start()
	return s
}

func newRedisServer(t testing.TB, extra []string) *RedisServer {
	t.Helper()
	bin := lookup(t, "redis-server", EnvRedisServer)[0]
	s := &RedisServer{t: t, bin: bin, dir: t.TempDir(), port: freePort(t), extra: extra}
	t.Cleanup(s.Stop)
	return s
}

// Addr is the server's host:port.
func (s *RedisServer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Start starts the server (again) and waits until it answers PING.
func (s *RedisServer) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	args := append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir}, s.extra...)
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil || strings.Contains(fmt.Sprint(err), "CLUSTERDOWN") {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %s did not answer: %v", s.Addr(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server at once, as a crash or a network cut would, and
// waits for the process to end. Data is not kept.
func (s *RedisServer) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// RedisClusterServer is a private 3-node Redis Cluster (no replicas) whose
// nodes a test may stop and start.
type RedisClusterServer struct {
	Nodes []*RedisServer
}

// StartRedisCluster starts a private 3-node Redis Cluster for t, stopped
// when t ends, and waits until every slot is served.
func StartRedisCluster(t testing.TB) *RedisClusterServer {
	t.Helper()
	rc := &RedisClusterServer{}
	for i := 0; i < 3; i++ {
		n := newRedisServer(t, nil)
		n.extra = []string{"--cluster-enabled", "yes", "--cluster-config-file",
			filepath.Join(n.dir, "nodes.conf"), "--cluster-node-timeout", "2000"}
		n.Start()
		rc.Nodes = append(rc.Nodes, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	per := 16384 / len(rc.Nodes)
	for i, n := range rc.Nodes {
		c := redis.NewClient(&redis.Options{Addr: n.Addr()})
		lo, hi := i*per, (i+1)*per-1
		if i == len(rc.Nodes)-1 {
			hi = 16383
		}
		if err := c.ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			t.Fatalf("cluster addslots: %v", err)
		}
		if i > 0 {
			if err := c.ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(rc.Nodes[0].port)).Err(); err != nil {
				t.Fatalf("cluster meet: %v", err)
			}
		}
		c.Close()
	}
	rc.WaitHealthy(t)
	return rc
}

// Addrs returns the nodes' addresses, for redis.ClusterOptions.Addrs.
func (rc *RedisClusterServer) Addrs() []string {
	a := make([]string, len(rc.Nodes))
	for i, n := range rc.Nodes {
		a[i] = n.Addr()
	}
	return a
}

// WaitHealthy waits until every node reports cluster_state:ok.
func (rc *RedisClusterServer) WaitHealthy(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, n := range rc.Nodes {
		c := redis.NewClient(&redis.Options{Addr: n.Addr()})
		for {
			info, err := c.ClusterInfo(context.Background()).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				c.Close()
				t.Fatalf("redis cluster node %s not healthy: %v %q", n.Addr(), err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.Close()
	}
}

// freePort asks the kernel for a free loopback port whose port+10000 (the
// cluster bus) is also free.
func freePort(t testing.TB) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if p+10000 > 65535 {
			continue
		}
		if bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+10000))); err == nil {
			bus.Close()
			return p
		}
	}
	t.Fatal("no free port pair found")
	return 0
}
