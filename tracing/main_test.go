package tracing_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run if a goroutine started by the tests is still
// running once they have all finished: the tracer, the fake daemon and the
// instrumented clients must not leak any.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaks := leakedGoroutines(); leaks != "" {
			fmt.Fprintf(os.Stderr, "goroutines left running after the tests:\n%s\n", leaks)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines returns the stacks of goroutines other than this one and
// the runtime's and testing's own. Goroutines that are ending (closed
// connections, cancelled contexts) get a few seconds to do so; this is a
// deadline for a condition, not a timed assertion.
func leakedGoroutines() string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		var leaks []string
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for i, g := range strings.Split(string(buf), "\n\n") {
			if i == 0 || benign(g) {
				continue
			}
			leaks = append(leaks, g)
		}
		if len(leaks) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaks, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func benign(stack string) bool {
	return strings.Contains(stack, "testing.(*M).") || strings.Contains(stack, "os/signal.")
}
