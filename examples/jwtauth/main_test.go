package main

import (
	"context"
	"errors"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/exampletest"
	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/jwtauth"
)

// TestRun checks the answer the middleware gives each token.

func init() { redisTimeout = 2 * time.Second }

func TestRun(t *testing.T) {
	check(t, exampletest.Run(t, run))
}

// TestRunRealRedis keeps the revocations in the real Redis of scripts/test.
func TestRunRealRedis(t *testing.T) {
	addr := testenv.RedisAddr(t)
	env := map[string]string{"REDIS_ADDR": addr}
	check(t, exampletest.RunEnv(t, run, env))
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
	exampletest.Contains(t, out,
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
	)
	// Tokens never reach the output, not even in the log lines.
	if regexp.MustCompile(`eyJ[A-Za-z0-9_-]{10,}`).MatchString(out) {
		t.Errorf("output contains a token:\n%s", out)
	}
}
