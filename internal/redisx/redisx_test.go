package redisx

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

func TestCheckPrefix(t *testing.T) {
	for _, tc := range []struct {
		name, prefix string
		ok           bool
	}{
		{"empty", "", true},
		{"plain", "app:jwt", true},
		{"open brace", "app{", false}, // would become a hash tag with a later }
		{"empty tag", "{}", false},    // {} splits keys that must share a slot
		{"close brace", "x}", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPrefix(tc.prefix)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckPrefix(%q) = %v, want ok=%v", tc.prefix, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrBraceInPrefix) {
				t.Fatalf("got %v, want ErrBraceInPrefix", err)
			}
		})
	}
}

func TestDigestSeparatesParts(t *testing.T) {
	if Digest("ab", "c") == Digest("a", "bc") {
		t.Fatal("length prefixing does not separate parts")
	}
	if got := len(Digest("x")); got != 32 {
		t.Fatalf("digest length %d, want 32 hex digits", got)
	}
	if a, b := Digest("{tag}"), Digest("{t"+"ag}"); a != b {
		t.Fatal("digest is not deterministic")
	}
}

func TestDoReturnsAtDeadline(t *testing.T) {
	mr := miniredis.RunT(t)
	for _, direct := range []bool{false, true} {
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: direct})
		c := NewCaller(rdb, 20*time.Millisecond)
		if c.direct != direct {
			t.Fatalf("direct = %v, want %v", c.direct, direct)
		}
		start := time.Now()
		_, err := Do(context.Background(), c, func(ctx context.Context, _ redis.UniversalClient) (int, error) {
			if direct {
				<-ctx.Done() // a client that honours its context
				return 0, ctx.Err()
			}
			time.Sleep(200 * time.Millisecond) // one that does not
			return 1, nil
		})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("direct=%v: err = %v, want deadline exceeded", direct, err)
		}
		if d := time.Since(start); d > 150*time.Millisecond {
			t.Fatalf("direct=%v: returned after %v", direct, d)
		}
		_ = rdb.Close()
	}
}

func TestDoTurnsPanicIntoError(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	_, err := Do(context.Background(), NewCaller(rdb, 0), func(context.Context, redis.UniversalClient) (int, error) {
		var s []int
		return s[len(s)], nil // index out of range: panics
	})
	if err == nil {
		t.Fatal("a panicking call returned no error")
	}
}

func TestDoRuns(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	got, err := Do(context.Background(), NewCaller(rdb, time.Second), func(ctx context.Context, r redis.UniversalClient) (string, error) {
		if err := r.Set(ctx, "k", "v", 0).Err(); err != nil {
			return "", err
		}
		return r.Get(ctx, "k").Result()
	})
	if err != nil || got != "v" {
		t.Fatalf("Do = %q, %v", got, err)
	}
}

func TestAppendDigest(t *testing.T) {
	long := strings.Repeat("x", 1000) // past the stack buffer
	for _, parts := range [][]string{{}, {""}, {"s", "iss", "sub"}, {long, "y"}} {
		want := Digest(parts...)
		got := AppendDigest([]byte("p:"), parts...)
		if string(got) != "p:"+want {
			t.Errorf("AppendDigest(%.20q): got %s, want p:%s", parts, got, want)
		}
	}
	// The values are frozen: keys already stored depend on them.
	for _, tc := range []struct {
		parts []string
		want  string
	}{
		{[]string{"s", "iss", "sub"}, "234a56ca4ddb683048780757a6cee652"},
		{[]string{long, "y"}, "147ddcf4da06c493bb13c4a6ba84783f"},
		{nil, "e3b0c44298fc1c149afbf4c8996fb924"},
	} {
		if got := Digest(tc.parts...); got != tc.want {
			t.Errorf("Digest(%.20q) = %s, want %s", tc.parts, got, tc.want)
		}
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = AppendDigest(buf[:0], "s", "iss", "sub") }); n != 0 {
		t.Errorf("AppendDigest allocates %v times, want 0", n)
	}
}

// silentServer accepts connections and never answers: a Redis that hangs.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return ln.Addr().String()
}

func TestProcessReturnsAtDeadline(t *testing.T) {
	addr := silentServer(t)
	for _, tc := range []struct {
		name    string
		direct  bool
		timeout time.Duration // the Caller's
		parent  time.Duration // the context's; zero: none
	}{
		{"goroutine, Caller timeout", false, 20 * time.Millisecond, 0},
		{"direct, Caller timeout", true, 20 * time.Millisecond, 0},
		{"direct, context sooner than the Caller timeout", true, time.Minute, 20 * time.Millisecond},
		{"goroutine, context sooner than the Caller timeout", false, time.Minute, 20 * time.Millisecond},
		{"direct, Caller timeout sooner than the context", true, 20 * time.Millisecond, time.Minute},
		{"direct, context only", true, 0, 20 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The client's own timeouts are far longer than the bound.
			rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: tc.direct,
				ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, MaxRetries: -1})
			defer rdb.Close()
			ctx := context.Background()
			if tc.parent > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.parent)
				defer cancel()
			}
			start := time.Now()
			err := Process(ctx, NewCaller(rdb, tc.timeout), redis.NewSliceCmd(ctx, "mget", "a", "b"))
			if err == nil {
				t.Fatal("a call to a server that never answers succeeded")
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("returned after %v (%v), want about 20ms", d, err)
			}
		})
	}
}

func TestBoundAddsTimerOnlyWhenSooner(t *testing.T) {
	const timeout = time.Second
	c := Caller{timeout: timeout}
	sooner, cancel := context.WithTimeout(context.Background(), timeout/2)
	defer cancel()
	if ctx, cancel := c.bound(sooner); ctx != sooner || cancel != nil {
		t.Error("a context ending before the timeout got a timer")
	}
	if ctx, cancel := (Caller{}).bound(context.Background()); ctx != context.Background() || cancel != nil {
		t.Error("a Caller without timeout added one")
	}
	later, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	for _, parent := range []context.Context{context.Background(), later} {
		ctx, cancel := c.bound(parent)
		if cancel == nil {
			t.Fatal("no timer where the Caller's timeout ends sooner")
		}
		d, ok := ctx.Deadline()
		cancel()
		if !ok || time.Until(d) > timeout {
			t.Errorf("deadline %v, want at most %v from now", d, timeout)
		}
	}
}

func TestProcessMatchesClient(t *testing.T) {
	mr := miniredis.RunT(t)
	mr.Set("a", "1")
	for _, direct := range []bool{false, true} {
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: direct})
		ctx := context.Background()
		cmd := redis.NewSliceCmd(ctx, "mget", "a", "missing")
		if err := Process(ctx, NewCaller(rdb, time.Second), cmd); err != nil {
			t.Fatal(err)
		}
		want, _ := rdb.MGet(ctx, "a", "missing").Result()
		if got := cmd.Val(); len(got) != 2 || got[0] != want[0] || got[1] != nil {
			t.Fatalf("direct=%v: Process read %#v, MGet %#v", direct, got, want)
		}
		if !direct {
			rdb.Close()
			continue
		}
		// With a client that stops at the deadline itself, Process adds
		// no allocation to the client's own Process.
		c := NewCaller(rdb, 0)
		ours := testing.AllocsPerRun(200, func() { _ = Process(ctx, c, redis.NewSliceCmd(ctx, "mget", "a")) })
		bare := testing.AllocsPerRun(200, func() { _ = rdb.Process(ctx, redis.NewSliceCmd(ctx, "mget", "a")) })
		if ours > bare {
			t.Errorf("Process allocates %v times, the client's Process %v", ours, bare)
		}
		rdb.Close()
	}
}
