package main

import (
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/internal/exampletest"
)

func TestRun(t *testing.T) {
	out := exampletest.Run(t, run)
	exampletest.Contains(t, out,
		"GetSecretValue calls: 1\n",
		"after one more read: 1 calls, served from the cache: true",
		`Password: [REDACTED]`,
		`"password":"[REDACTED]"`,
		"Password(), for the driver: 19 characters",
		"same version while fresh: true",
		"new version after Refresh: true [AWSCURRENT]",
		"served the cached version: true, error: <nil>, after 3 attempts",
		"asked again at once: 0 more calls",
		"not found: true",
		`get "prod/missing"`,
	)
	if strings.Contains(out, "example-only") {
		t.Errorf("a password reached the output:\n%s", out)
	}
}
