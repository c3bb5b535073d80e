// Package exampletest runs the programs under examples/ in their tests: each
// has a `run(ctx, stdout, getenv) error` that main calls.
package exampletest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// RunFunc is the shape of an example program's run function.
type RunFunc func(ctx context.Context, w io.Writer, getenv func(string) string) error

// Run runs the program with an empty environment (its embedded defaults)
// and returns what it printed. An error fails t.
func Run(t testing.TB, run RunFunc) string {
	t.Helper()
	return RunEnv(t, run, nil)
}

// RunEnv is Run with the given environment variables.
func RunEnv(t testing.TB, run RunFunc, env map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, func(k string) string { return env[k] }); err != nil {
		t.Fatalf("run: %v\noutput so far:\n%s", err, buf.String())
	}
	return buf.String()
}

// Contains fails t once for every want that out lacks.
func Contains(t testing.TB, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
