package redisrevoker

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/jwtauth"

	"github.com/lambdasec/lambdasec/internal/eventtest"
)

// With Replicas: 1, a logout reported done survives the primary's death
// and the promotion of its replica; without a replica to acknowledge it,
// the logout fails (or, with AcceptFewerReplicas, is logged).
func TestDurableRevocation(t *testing.T) {
	primary, replica := testenv.StartRedisReplicated(t)
	pc := redis.NewClient(&redis.Options{Addr: primary.Addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { pc.Close() })
	r, err := New(Config{Client: pc, Replicas: 1})
	if err != nil {
		t.Fatal(err)
	}
	prepare(t, r)
	clk := realClock()
	cfg := testConfig(clk)
	cfg.Revoker = r
	cfg.RevocationTimeout = 0 // the default, 100 ms, covers the wait
	a := mustAuth(t, cfg)
	ctx := context.Background()
	var out []string
	for i := range 50 {
		tok, c, _ := a.Issue(jwtauth.Grant{Subject: "user-" + string(rune('a'+i%26)), Family: "f"})
		switch i % 3 {
		case 0:
			err = a.Revoke(ctx, c)
		case 1:
			err = a.RevokeFamily(ctx, c.Subject, "f")
		default:
			err = a.RevokeSubject(ctx, c.Subject)
		}
		if err != nil {
			t.Fatalf("durable revocation %d: %v", i, err)
		}
		out = append(out, tok)
	}

	// The primary dies right after the last acknowledged logout; its
	// replica takes over.
	primary.Stop()
	rc := redis.NewClient(&redis.Options{Addr: replica.Addr()})
	t.Cleanup(func() { rc.Close() })
	if err := rc.ReplicaOf(ctx, "no", "one").Err(); err != nil {
		t.Fatal(err)
	}
	r2, err := New(Config{Client: rc})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Revoker = r2
	a2 := mustAuth(t, cfg)
	for i, tok := range out {
		if _, err := a2.Verify(ctx, tok); !errors.Is(err, jwtauth.ErrTokenRevoked) {
			t.Errorf("logout %d after failover: got %v, want ErrTokenRevoked", i, err)
		}
	}

	// The promoted server has no replica: a durable logout cannot be
	// acknowledged. (A long RevocationTimeout, so that a loaded machine
	// reads the WAIT reply before the deadline.)
	cfg.RevocationTimeout = 2 * time.Second
	r3, err := New(Config{Client: rc, Replicas: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Revoker = r3
	a3 := mustAuth(t, cfg)
	tok, c, _ := a3.Issue(jwtauth.Grant{Subject: "zed"})
	start := time.Now()
	err = a3.Revoke(ctx, c)
	if !errors.Is(err, ErrNotDurable) || !errors.Is(err, jwtauth.ErrRevocationUnavailable) {
		t.Errorf("without a replica: got %v, want ErrNotDurable", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the failed durable logout took %v", d)
	}
	// The record is on the primary all the same.
	if _, err := a3.Verify(ctx, tok); !errors.Is(err, jwtauth.ErrTokenRevoked) {
		t.Errorf("after the unacknowledged logout: got %v", err)
	}
	var buf bytes.Buffer
	r4, err := New(Config{Client: rc, Replicas: 1, AcceptFewerReplicas: true, ReplicaTimeout: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Revoker = r4
	_, c, _ = mustAuth(t, cfg).Issue(jwtauth.Grant{Subject: "zed"})
	if err := mustAuth(t, cfg).Revoke(ctx, c); err != nil {
		t.Errorf("AcceptFewerReplicas: %v", err)
	}
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "acknowledged=0") {
		t.Errorf("fewer replicas not logged: %s", buf.String())
	}
}

func TestDurabilityConfig(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:0"})
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:0"}})
	t.Cleanup(func() { c.Close(); ring.Close() })
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"no wait", Config{Client: c}, true},
		{"one replica", Config{Client: c, Replicas: 1, ReplicaTimeout: 20 * time.Millisecond}, true},
		{"negative replicas", Config{Client: c, Replicas: -1}, false},
		{"negative timeout", Config{Client: c, Replicas: 1, ReplicaTimeout: -1}, false},
		{"ring has no replicas", Config{Client: ring, Replicas: 1}, false},
		{"ring without waiting", Config{Client: ring}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if tc.ok && err != nil || !tc.ok && !errors.Is(err, jwtauth.ErrInvalidConfig) {
				t.Errorf("got %v", err)
			}
		})
	}
}

// The WAIT timeout leaves room for the reply and is never zero (WAIT 0
// blocks for ever).
func TestWaitTimeout(t *testing.T) {
	r := &Revoker{}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if w := r.waitTimeout(ctx); w <= 0 || w > 50*time.Millisecond {
		t.Errorf("100 ms left: wait %v", w)
	}
	if w := r.waitTimeout(context.Background()); w != defaultWait {
		t.Errorf("no deadline: wait %v", w)
	}
	done, cancel2 := context.WithTimeout(context.Background(), 0)
	defer cancel2()
	if w := r.waitTimeout(done); w < time.Millisecond {
		t.Errorf("deadline passed: wait %v", w)
	}
	r.replicaWait = 10 * time.Millisecond
	if w := r.waitTimeout(ctx); w != 10*time.Millisecond {
		t.Errorf("ReplicaTimeout 10ms: wait %v", w)
	}
}

// Redis Cluster with a replica behind one master: logouts acknowledged
// with Replicas 1 survive the master's death and the replica's
// promotion, tokens not logged out stay valid, and no loss is reported
// (the markers were replicated too).
func TestDurableRevocationClusterFailover(t *testing.T) {
	cluster := testenv.StartRedisCluster(t)
	cluster.AddReplica(t, 1)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cluster.Addrs()[:3], ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	events := &eventtest.Recorder{}
	r, err := New(Config{Client: c, Replicas: 1, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	prepare(t, r) // a new store: one event
	cfg := testConfig(realClock())
	cfg.Revoker = r
	cfg.Logger = slog.New(slog.DiscardHandler)
	a := mustAuth(t, cfg)
	ctx := context.Background()

	victim := cluster.Nodes[1].Addr()
	var out, live []string
	for i := 0; len(out) < 30 && i < 3000; i++ {
		tok, cl, _ := a.Issue(jwtauth.Grant{Subject: "user-" + strconv.Itoa(i)})
		key, _, _ := r.keys(cl.Issuer, cl.Subject, cl.ID, "")
		node, err := c.MasterForKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if node.Options().Addr != victim {
			continue
		}
		if i%2 == 1 {
			live = append(live, tok)
			continue
		}
		if err := a.Revoke(ctx, cl); err != nil {
			t.Fatalf("durable logout on the cluster: %v", err)
		}
		out = append(out, tok)
	}
	if len(out) < 30 || len(live) == 0 {
		t.Fatalf("%d subjects on node 1", len(out))
	}

	t.Logf("%d logouts", len(out))
	cluster.Nodes[1].Stop()
	stopped := time.Now()
	// The replica is promoted once the cluster notices (node timeout 2 s).
	defer func() { t.Logf("checks answered %v after the master died", time.Since(stopped)) }()
	for i, tok := range out {
		if err := waitReachable(t, a, tok); !errors.Is(err, jwtauth.ErrTokenRevoked) {
			t.Errorf("logout %d after failover: got %v, want ErrTokenRevoked", i, err)
		}
	}
	for _, tok := range live {
		if _, err := a.Verify(ctx, tok); err != nil {
			t.Errorf("token not logged out, after failover: %v", err)
		}
	}
	if n := len(events.All()); n != 1 {
		t.Errorf("%d loss events, want only the new store's", n)
	}
}
