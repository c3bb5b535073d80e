package dbconn_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/testenv"
)

// syncBuffer collects a child process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func loopbackAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// A function built with CloseOnSIGTERM, run under the Lambda Runtime
// Interface Emulator: when the emulator shuts the environment down, the
// pool is closed and the server sees the connection go.
func TestCloseOnSIGTERMUnderLambdaEmulator(t *testing.T) {
	rie := testenv.LambdaRIE(t)
	s := mariadb(t)
	user, pw := s.user(t, "")

	dir := t.TempDir()
	bootstrap := filepath.Join(dir, "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bootstrap, "./testdata/sigterm")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	rieAddr := loopbackAddr(t)
	var logs syncBuffer
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", rieAddr,
		"--runtime-api-address", loopbackAddr(t), "--log-level", "error", bootstrap)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"AWS_LAMBDA_FUNCTION_NAME=dbconn-sigterm", "AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_REGION=us-east-1",
		"DB_HOST=" + s.m.Host, "DB_PORT=" + s.m.Port, "DB_NAME=" + s.m.Database,
		"DB_USER=" + user, "DB_PASSWORD=" + pw, "DB_CA_FILE=" + s.m.CAFile,
	}
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("emulator and function output:\n%s", logs.String())
		}
	})
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", rieAddr); err == nil {
			c.Close()
			break
		}
		if i == 200 {
			t.Fatalf("emulator did not listen on %s", rieAddr)
		}
		time.Sleep(50 * time.Millisecond)
	}

	client := &http.Client{Timeout: 60 * time.Second}
	res, err := client.Post("http://"+rieAddr+"/2015-03-31/functions/function/invocations", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if id, err := strconv.Unquote(string(body)); err != nil || id == "" || id == "0" {
		t.Fatalf("invocation answered %d %s", res.StatusCode, body)
	}
	if got := s.conns(t, user); got != 1 {
		t.Fatalf("%d server connections after the invocation, want 1", got)
	}

	// Lambda shuts the environment down: the emulator sends the runtime
	// SIGTERM because the function registered an extension.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("emulator did not shut down")
	}
	if !strings.Contains(logs.String(), "after SIGTERM: 0 open connections") {
		t.Fatal("the pool was not closed on SIGTERM")
	}
	s.waitConns(t, user, 0)
}
