package tracing_test

import (
	"testing"

	"github.com/lambdasec/lambdasec/tracing/internal/leakcheck"
)

// TestMain fails the run if a goroutine started by the tests is still
// running once they have all finished: the tracer, the fake daemon and the
// instrumented clients must not leak any.
func TestMain(m *testing.M) { leakcheck.Main(m) }
