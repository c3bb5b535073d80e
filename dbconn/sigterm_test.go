package dbconn_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/internal/testenv"
)

// A function built with CloseOnSIGTERM, run under the Lambda Runtime
// Interface Emulator: when the emulator shuts the environment down, the
// pool is closed and the server sees the connection go.
func TestCloseOnSIGTERMUnderLambdaEmulator(t *testing.T) {
	testenv.LambdaRIE(t)
	s := mariadb(t)
	user, pw := s.user(t, "")

	fn := testenv.StartLambda(t, "./testdata/sigterm",
		"AWS_LAMBDA_FUNCTION_NAME=dbconn-sigterm", "AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_REGION=us-east-1",
		"DB_HOST="+s.m.Host, "DB_PORT="+s.m.Port, "DB_NAME="+s.m.Database,
		"DB_USER="+user, "DB_PASSWORD="+pw, "DB_CA_FILE="+s.m.CAFile,
	)
	body := fn.Invoke(t, []byte("{}"))
	if id, err := strconv.Unquote(string(body)); err != nil || id == "" || id == "0" {
		t.Fatalf("invocation answered %s", body)
	}
	if got := s.conns(t, user); got != 1 {
		t.Fatalf("%d server connections after the invocation, want 1", got)
	}

	// Lambda shuts the environment down: the emulator sends the runtime
	// SIGTERM because the function registered an extension.
	fn.Shutdown(t)
	if !strings.Contains(fn.Logs(), "after SIGTERM: 0 open connections") {
		t.Fatal("the pool was not closed on SIGTERM")
	}
	s.waitConns(t, user, 0)
}
