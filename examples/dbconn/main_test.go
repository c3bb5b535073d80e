package main

import (
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/internal/exampletest"
	"github.com/lambdasec/lambdasec/internal/testenv"
)

func TestRun(t *testing.T) {
	out := exampletest.Run(t, run)
	exampletest.Contains(t, out,
		"pool plan does not fit the database",
		"largest reserved concurrency that fits: 90",
		"connections 80 of a budget of 90",
		"MaxConnectionsPercent to 90",
		"Password:[REDACTED]",
	)
	if strings.Contains(out, "example-only") {
		t.Errorf("the password reached the output:\n%s", out)
	}
}

// TestRunRealMariaDB connects to the TLS-only MariaDB of scripts/test.
func TestRunRealMariaDB(t *testing.T) {
	my := testenv.MySQL(t)
	env := map[string]string{
		"DB_HOST": my.Host, "DB_PORT": my.Port, "DB_USER": my.User, "DB_PASSWORD": my.Password,
		"DB_NAME": my.Database, "DB_TLS_CA_FILE": my.CAFile,
	}
	out := exampletest.RunEnv(t, run, env)
	if !strings.Contains(out, "over TLSv1.") || !strings.Contains(out, "at most 1 open") {
		t.Errorf("output lacks the TLS version or pool size:\n%s", out)
	}
	if strings.Contains(out, my.Password) {
		t.Errorf("the password reached the output")
	}
}
