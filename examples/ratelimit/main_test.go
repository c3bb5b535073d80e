package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/exampletest"
	"github.com/lambdasec/lambdasec/internal/testenv"
)

// statuses lists the status of each request line, in order.

func init() { redisTimeout = 2 * time.Second }

func statuses(out string) []string {
	var s []string
	for l := range strings.Lines(out) {
		if before, _, ok := strings.Cut(l, "  RateLimit:"); ok {
			f := strings.Fields(before)
			s = append(s, f[len(f)-1])
		}
	}
	return s
}

func check(t *testing.T, out string) {
	t.Helper()
	want := []string{"200", "200", "200", "200", "200", "429", "429", "200", "200", "200", "429", "200"}
	if got := statuses(out); !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v\n%s", got, want, out)
	}
	for _, s := range []string{"Retry-After:", "ada      refused before checking the password", "bob      logged in"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

func TestRun(t *testing.T) {
	check(t, exampletest.Run(t, run))
}

// TestRunRealRedis runs the example against the real Redis of scripts/test.
func TestRunRealRedis(t *testing.T) {
	addr := testenv.RedisAddr(t)
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, func(k string) string {
		if k == "REDIS_ADDR" {
			return addr
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	check(t, buf.String())
}
