package redisx

import (
	"context"
	"errors"
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
