// Command binsize prints what tracing costs in a binary: the stripped
// size of a net/http service built alone, traced by lambdasec/tracing
// (both backends, X-Ray and OTLP, are in the one binary), by the official
// OpenTelemetry Go SDK with otelhttp and the OTLP/HTTP exporter, and by
// the AWS X-Ray SDK, each as Lambda runs it (linux, no cgo, -tags
// lambda.norpc, -trimpath, -ldflags=-s -w), with the number of gRPC
// packages each links.
//
//	cd bench && go run ./binsize
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

var progs = []struct{ name, what string }{
	{"nethttp", "net/http only"},
	{"tracing", "lambdasec/tracing (X-Ray and OTLP)"},
	{"otelsdk", "otelhttp + OTel SDK + otlptracehttp + X-Ray propagator"},
	{"xraysdk", "AWS X-Ray SDK v2 xray.Handler"},
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "binsize:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "binsize")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env := append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	var base int64
	fmt.Printf("%-55s %10s %10s %6s\n", "program", "bytes", "over base", "grpc")
	for _, p := range progs {
		pkg := "./binsize/progs/" + p.name
		out := filepath.Join(dir, p.name)
		build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
		build.Env = env
		if b, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", pkg, err, b)
		}
		st, err := os.Stat(out)
		if err != nil {
			return err
		}
		deps := exec.Command("go", "list", "-tags", "lambda.norpc", "-deps", pkg)
		deps.Env = env
		list, err := deps.Output()
		if err != nil {
			return fmt.Errorf("go list %s: %v", pkg, err)
		}
		grpc := 0
		for _, l := range bytes.Split(list, []byte("\n")) {
			if strings.HasPrefix(string(l), "google.golang.org/grpc") {
				grpc++
			}
		}
		if base == 0 {
			base = st.Size()
		}
		fmt.Printf("%-55s %10d %+9.2fM %6d\n", p.what, st.Size(), float64(st.Size()-base)/1e6, grpc)
	}
	return nil
}
