package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/jwtauth"
)

// TestRun checks the answer the middleware gives each token.
func TestRun(t *testing.T) {
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	check(t, buf.String())
}

// TestRunRealRedis keeps the revocations in the real Redis of scripts/test.
func TestRunRealRedis(t *testing.T) {
	addr := testenv.RedisAddr(t)
	var buf bytes.Buffer
	env := map[string]string{"REDIS_ADDR": addr}
	if err := run(context.Background(), &buf, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	check(t, buf.String())
}

// TestRunRefusesWeakSecret: JWT_SECRET must be a real key.
func TestRunRefusesWeakSecret(t *testing.T) {
	env := map[string]string{"JWT_SECRET": "changeme"}
	if err := run(context.Background(), io.Discard, func(k string) string { return env[k] }); !errors.Is(err, jwtauth.ErrInvalidKey) && !errors.Is(err, jwtauth.ErrWeakKey) {
		t.Fatalf("got %v, want ErrInvalidKey or ErrWeakKey", err)
	}
}

func check(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{
		`issued: header {"alg":"HS256","kid":"2026-11","typ":"JWT"}, sub ada`,
		"lifetime 15m0s",
		"no token:                          401  WWW-Authenticate: Bearer\n",
		"valid token:                       200  hello ada",
		`alg "none" (CVE-2015-9235):        401  WWW-Authenticate: Bearer error="invalid_token"`,
		`alg "none", signature kept:        401  WWW-Authenticate: Bearer error="invalid_token"`,
		`error="jwtauth: token algorithm not allowed: none or missing"`,
		`expired:                           401  WWW-Authenticate: Bearer error="invalid_token"`,
		`error="jwtauth: token expired"`,
		"logout:                            204",
		`the logged-out token:              401`,
		"ada's other token:                 200  hello ada",
		`after logging ada out everywhere:  401`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Tokens never reach the output, not even in the log lines.
	if regexp.MustCompile(`eyJ[A-Za-z0-9_-]{10,}`).MatchString(out) {
		t.Errorf("output contains a token:\n%s", out)
	}
}
