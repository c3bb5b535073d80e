package testenv

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// StartTracedLambda is [StartLambda] for a function whose invocations
// carry traceHeader ("Root=...;Parent=...;Sampled=1") as Lambda's trace.
//
// The emulator forwards no trace id to the runtime (its tracer is a
// no-op), so a proxy in front of its Runtime API adds the
// Lambda-Runtime-Trace-Id header Lambda sends with every invocation; the
// bootstrap is a script that points the runtime at the proxy.
// aws-lambda-go then puts the header in the invocation context, as in
// Lambda.
func StartTracedLambda(t testing.TB, pkg, traceHeader string, env ...string) *Lambda {
	t.Helper()
	rie := LambdaRIE(t)
	dir := t.TempDir()
	fn := filepath.Join(dir, "fn")
	buildLambda(t, pkg, fn)

	runtimeAddr := loopbackAddr(t)
	target, _ := url.Parse("http://" + runtimeAddr)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(res *http.Response) error {
		if strings.HasSuffix(res.Request.URL.Path, "/runtime/invocation/next") {
			res.Header.Set("Lambda-Runtime-Trace-Id", traceHeader)
		}
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	bootstrap := filepath.Join(dir, "bootstrap")
	script := "#!/bin/sh\nAWS_LAMBDA_RUNTIME_API=" + ln.Addr().String() + " exec " + fn + "\n"
	if err := os.WriteFile(bootstrap, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return startEmulator(t, rie, dir, bootstrap, runtimeAddr, env)
}
