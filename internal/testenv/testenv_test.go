package testenv_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/testenv"
)

func TestRedis(t *testing.T) {
	c := testenv.Redis(t)
	ctx := context.Background()
	if got, err := c.Ping(ctx).Result(); err != nil || got != "PONG" {
		t.Fatalf("PING: got %q, %v", got, err)
	}
}

func TestRedisCluster(t *testing.T) {
	c := testenv.RedisCluster(t)
	assertSlotsCovered(t, c)
}

func assertSlotsCovered(t *testing.T, c *redis.ClusterClient) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shards, err := c.ClusterShards(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	covered := make([]bool, 16384)
	masters := 0
	for _, sh := range shards {
		for _, r := range sh.Slots {
			for i := r.Start; i <= r.End; i++ {
				covered[i] = true
			}
		}
		if len(sh.Slots) > 0 {
			masters++
		}
	}
	for i, ok := range covered {
		if !ok {
			t.Fatalf("slot %d is not served", i)
		}
	}
	if masters != 3 {
		t.Errorf("got %d masters serving slots, want 3", masters)
	}
	// Keys in different slots work through the cluster client.
	for _, k := range []string{"a", "b", "c", "{tag}x", "{tag}y"} {
		if err := c.Set(ctx, "testenv:"+k, "1", time.Minute).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
	}
}

func TestMySQLTLS(t *testing.T) {
	cfg := testenv.MySQL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	t.Run("tls verified against the CA", func(t *testing.T) {
		db := sql.OpenDB(mustConnector(t, cfg.DriverConfig(cfg.User, cfg.Password)))
		defer db.Close()
		var name, cipher string
		if err := db.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil {
			t.Fatal(err)
		}
		if cipher == "" {
			t.Fatal("session is not encrypted")
		}
	})

	t.Run("plaintext refused", func(t *testing.T) {
		dc := cfg.DriverConfig(cfg.AdminUser, cfg.AdminPass)
		dc.TLS = nil
		dc.TLSConfig = "false"
		db := sql.OpenDB(mustConnector(t, dc))
		defer db.Close()
		err := db.PingContext(ctx)
		if err == nil {
			t.Fatal("plaintext connection accepted; require_secure_transport is off")
		}
		var me *mysql.MySQLError
		if !errors.As(err, &me) || (me.Number != 3159 && me.Number != 1045) {
			t.Logf("refused with: %v", err)
		}
	})

	t.Run("wrong CA refused", func(t *testing.T) {
		dc := cfg.DriverConfig(cfg.User, cfg.Password)
		dc.TLS = &tls.Config{RootCAs: x509.NewCertPool(), ServerName: cfg.Host}
		db := sql.OpenDB(mustConnector(t, dc))
		defer db.Close()
		err := db.PingContext(ctx)
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("got %v, want a certificate error", err)
		}
	})
}

func mustConnector(t *testing.T, cfg *mysql.Config) driver.Connector {
	t.Helper()
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPrivateRedisStopStart(t *testing.T) {
	s := testenv.StartRedis(t)
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING succeeded on a stopped server")
	}
	s.Start()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func TestPrivateRedisCluster(t *testing.T) {
	rc := testenv.StartRedisCluster(t)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: rc.Addrs()})
	defer c.Close()
	assertSlotsCovered(t, c)
}

func TestLambdaRIE(t *testing.T) {
	if p := testenv.LambdaRIE(t); p == "" {
		t.Fatal("empty path")
	}
	fn := testenv.StartLambda(t, "./testdata/echo", "AWS_LAMBDA_FUNCTION_NAME=echo", "AWS_REGION=us-east-1")
	if got := string(fn.Invoke(t, []byte(`{"ping":1}`))); got != `{"ping":1}` {
		t.Fatalf("echo answered %s", got)
	}
	fn.Shutdown(t)
}
