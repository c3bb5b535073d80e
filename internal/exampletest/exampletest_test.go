package exampletest_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/lambdasec/lambdasec/internal/exampletest"
)

func TestRunEnv(t *testing.T) {
	run := func(_ context.Context, w io.Writer, getenv func(string) string) error {
		fmt.Fprintf(w, "mode=%q", getenv("MODE"))
		return nil
	}
	if got := exampletest.Run(t, run); got != `mode=""` {
		t.Errorf("Run: got %s", got)
	}
	out := exampletest.RunEnv(t, run, map[string]string{"MODE": "redis"})
	exampletest.Contains(t, out, `mode="redis"`)

}
