package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // substring of the error; empty means success
		check   func(*testing.T, config)
	}{
		{name: "embedded defaults", env: nil, check: func(t *testing.T, c config) {
			if c.addr != defaultAddr || c.lambda || len(c.redisAddrs) != 0 || c.dbSecretID != "" || len(c.jwtSecret) != 0 {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "single redis", env: map[string]string{"REDIS_ADDR": "cache:6379"}, check: func(t *testing.T, c config) {
			if !slices.Equal(c.redisAddrs, []string{"cache:6379"}) || c.redisCluster || c.redisTLS {
				t.Errorf("got %v cluster %v tls %v", c.redisAddrs, c.redisCluster, c.redisTLS)
			}
		}},
		{name: "cluster list", env: map[string]string{"REDIS_ADDR": "a:1, b:2,c:3"}, check: func(t *testing.T, c config) {
			if !slices.Equal(c.redisAddrs, []string{"a:1", "b:2", "c:3"}) || !c.redisCluster {
				t.Errorf("got %v cluster %v", c.redisAddrs, c.redisCluster)
			}
		}},
		{name: "tls cluster seed", env: map[string]string{"REDIS_ADDR": "rediss://cfg.cache.amazonaws.com:6379", "REDIS_CLUSTER": "true"}, check: func(t *testing.T, c config) {
			if !c.redisTLS || !c.redisCluster || c.redisAddrs[0] != "cfg.cache.amazonaws.com:6379" {
				t.Errorf("got %v cluster %v tls %v", c.redisAddrs, c.redisCluster, c.redisTLS)
			}
		}},
		{name: "redis url with another scheme", env: map[string]string{"REDIS_ADDR": "http://cache:6379"}, wantErr: "REDIS_ADDR"},
		// The entry may carry a password: the error must not repeat it.
		{name: "redis credentials", env: map[string]string{"REDIS_ADDR": "redis://user:hunter2@cache:6379"}, wantErr: "credentials"},
		{name: "bad redis entry", env: map[string]string{"REDIS_ADDR": "a:1,cache:hunter2"}, wantErr: "entry 2"},
		{name: "bad REDIS_CLUSTER", env: map[string]string{"REDIS_ADDR": "a:1", "REDIS_CLUSTER": "maybe"}, wantErr: "REDIS_CLUSTER"},
		{name: "prefix with a hash tag", env: map[string]string{"REDIS_KEY_PREFIX": "{tb}"}, wantErr: "REDIS_KEY_PREFIX"},
		{name: "bad ADDR", env: map[string]string{"ADDR": "8080"}, wantErr: "ADDR"},
		{name: "bad LOG_LEVEL", env: map[string]string{"LOG_LEVEL": "loud"}, wantErr: "LOG_LEVEL"},
		{name: "CA without database", env: map[string]string{"DB_TLS_CA_FILE": "/dev/null"}, wantErr: "DB_SECRET_ID"},
		{name: "missing CA file", env: map[string]string{"DB_SECRET_ID": "db", "DB_TLS_CA_FILE": "/nonexistent/ca.pem"}, wantErr: "DB_TLS_CA_FILE"},
		// Every Lambda environment would draw its own random key.
		{name: "lambda without JWT_SECRET", env: map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "REDIS_ADDR": "a:1"}, wantErr: "JWT_SECRET_ID (or JWT_SECRET) is required"},
		// Revocations and limits must be shared by all environments.
		{name: "lambda without REDIS_ADDR", env: map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "JWT_SECRET": strings.Repeat("k", 40)}, wantErr: "REDIS_ADDR is required"},
		{name: "lambda", env: map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "JWT_SECRET": "x", "REDIS_ADDR": "a:1"}, check: func(t *testing.T, c config) {
			if !c.lambda {
				t.Error("lambda mode not detected")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(mapEnv(tc.env))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, errConfig) {
					t.Fatalf("got %v, want a configuration error mentioning %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q repeats a password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

// TestRunRefusesWeakJWTSecret: the program exits with a clear error, which
// never contains the key, rather than signing with a guessable one.
func TestRunRefusesWeakJWTSecret(t *testing.T) {
	tests := []struct {
		name, secret string
	}{
		{"short", "0123456789abcdef"},
		{"known weak", "changemechangemechangemechangeme"},
		{"repeated pattern", strings.Repeat("ab", 20)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), mapEnv(map[string]string{"JWT_SECRET": tc.secret, "ADDR": "127.0.0.1:0"}), io.Discard)
			if err == nil || !errors.Is(err, errConfig) || !strings.Contains(err.Error(), "JWT_SECRET") {
				t.Fatalf("got %v, want a configuration error naming JWT_SECRET", err)
			}
			if strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

// TestRun starts the program as main does, on embedded defaults, checks
// it answers and logs the random-key warning, then stops it.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, mapEnv(map[string]string{"ADDR": "127.0.0.1:0"}), pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var url string
	warned := false
	for url == "" && lines.Scan() {
		var l map[string]any
		if err := json.Unmarshal(lines.Bytes(), &l); err != nil {
			t.Fatalf("log line %q is not JSON", lines.Text())
		}
		if l["level"] == "WARN" && strings.Contains(l["msg"].(string), "JWT_SECRET") {
			warned = true
		}
		if l["msg"] == "listening" {
			url, _ = l["url"].(string)
		}
	}
	if url == "" {
		t.Fatalf("no listening line; run returned %v", <-done)
	}
	go io.Copy(io.Discard, pr)
	if !warned {
		t.Error("no warning about the random JWT key")
	}
	res, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: got %d", res.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

// TestRunLogsRedisAsJSON: go-redis's own messages (here a failed dial)
// reach the JSON log on stdout, not plain text on stderr.
func TestRunLogsRedisAsJSON(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	t.Cleanup(func() { redis.SetLogger(redisLogger{discardLogger()}) })
	var out syncBuffer
	err = run(context.Background(), mapEnv(map[string]string{"ADDR": "127.0.0.1:0", "REDIS_ADDR": closed, "JWT_SECRET": randomSecret(t)}), &out)
	if err == nil || !strings.Contains(err.Error(), "redis") {
		t.Fatalf("run: got %v, want a redis error", err)
	}
	found := false
	for _, l := range out.lines(t) {
		if l["msg"] == "redis client" && strings.Contains(fmt.Sprint(l["message"]), "failed to dial") {
			found = true
		}
	}
	if !found {
		t.Errorf("no go-redis message in the JSON log:\n%s", out.String())
	}
}
