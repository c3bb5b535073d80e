package testenv

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Lambda is a function running under the Lambda runtime interface emulator
// on loopback, as it would in the provided.al2023 runtime.
type Lambda struct {
	cmd    *exec.Cmd
	url    string
	logs   *lockedBuffer
	exited chan struct{}
}

// StartLambda builds the main package pkg (a path as `go build` takes it,
// relative to the test's directory) as a `bootstrap` for provided.al2023
// (linux, -tags lambda.norpc, no cgo), runs it under the emulator from
// [LambdaRIE] with env (PATH and HOME are added) and waits until the
// emulator accepts invocations. The function is killed when t ends; its
// output is logged if t failed.
func StartLambda(t testing.TB, pkg string, env ...string) *Lambda {
	t.Helper()
	rie := LambdaRIE(t)
	dir := t.TempDir()
	bootstrap := filepath.Join(dir, "bootstrap")
	buildLambda(t, pkg, bootstrap)
	return startEmulator(t, rie, dir, bootstrap, loopbackAddr(t), env)
}

// buildLambda builds the main package pkg into out as Lambda runs it.
func buildLambda(t testing.TB, pkg, out string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Fatalf("the Lambda emulator runs on linux only, not %s", runtime.GOOS)
	}
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", out, pkg)
	build.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

// startEmulator runs bootstrap under the emulator rie, its Runtime API on
// runtimeAddr, and waits until the emulator accepts invocations.
func startEmulator(t testing.TB, rie, dir, bootstrap, runtimeAddr string, env []string) *Lambda {
	t.Helper()
	addr := loopbackAddr(t)
	l := &Lambda{logs: &lockedBuffer{}, exited: make(chan struct{}),
		url: "http://" + addr + "/2015-03-31/functions/function/invocations"}
	l.cmd = exec.Command(rie, "--runtime-interface-emulator-address", addr,
		"--runtime-api-address", runtimeAddr, "--log-level", "error", bootstrap)
	l.cmd.Dir = dir
	l.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	l.cmd.Stdout, l.cmd.Stderr = l.logs, l.logs
	if err := l.cmd.Start(); err != nil {
		t.Fatalf("start the Lambda emulator: %v", err)
	}
	go func() { _ = l.cmd.Wait(); close(l.exited) }()
	t.Cleanup(func() {
		_ = l.cmd.Process.Kill()
		<-l.exited
		if t.Failed() {
			t.Logf("emulator and function output:\n%s", l.Logs())
		}
	})
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return l
		}
		if i == 200 {
			t.Fatalf("the Lambda emulator did not listen on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Invoke sends one event and returns the function's response payload. A
// failed invocation (transport error, non-200 or a function error) fails t.
func (l *Lambda) Invoke(t testing.TB, event []byte) []byte {
	t.Helper()
	client := &http.Client{Timeout: 90 * time.Second}
	res, err := client.Post(l.url, "application/json", bytes.NewReader(event))
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Amz-Function-Error") != "" {
		t.Fatalf("invoke: emulator answered %d %s", res.StatusCode, out)
	}
	return out
}

// Shutdown does what Lambda does when it recycles an environment: the
// emulator gets SIGTERM and passes it on to a runtime that registered an
// extension. It waits up to 30 seconds for the emulator to exit.
func (l *Lambda) Shutdown(t testing.TB) {
	t.Helper()
	if err := l.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-l.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the Lambda emulator did not shut down within 30s")
	}
}

// Logs returns what the emulator and the function wrote so far.
func (l *Lambda) Logs() string { return l.logs.String() }

// lockedBuffer collects a child process's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// loopbackAddr returns a loopback address nothing listens on right now.
func loopbackAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
