// Package leakcheck fails a test binary that leaves goroutines running.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Main runs the tests and then, if they passed, checks that no goroutine
// other than the runtime's and testing's own is still running. Use it as
// the body of TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaks := Leaked(); leaks != "" {
			fmt.Fprintf(os.Stderr, "goroutines left running after the tests:\n%s\n", leaks)
			code = 1
		}
	}
	os.Exit(code)
}

// Leaked returns the stacks of goroutines that are still running, other
// than the caller and the runtime's and testing's own. Goroutines that are
// ending (closed connections, cancelled contexts) get up to five seconds
// to do so: a deadline for a condition, not a timed assertion.
func Leaked() string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		var leaks []string
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for i, g := range strings.Split(string(buf), "\n\n") {
			if i == 0 || strings.Contains(g, "testing.(*M).") || strings.Contains(g, "os/signal.") {
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
