package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"GetSecretValue calls: 1\n",
		"after one more read: 1 calls, served from the cache: true",
		`Password: [REDACTED]`,
		`"password":"[REDACTED]"`,
		"the field itself, for the driver: 19 characters",
		"same version while fresh: true",
		"new version after Refresh: true [AWSCURRENT]",
		"served the cached version: true, error: <nil>, after 3 attempts",
		"asked again at once: 0 more calls",
		"not found: true",
		`get "prod/missing"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "example-only") {
		t.Errorf("a password reached the output:\n%s", out)
	}
}
