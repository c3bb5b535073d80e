package lambdahttp_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/lambdahttp"
)

// TestRunLocal: outside Lambda, Run serves HTTP on the given address until
// the context ends, then runs the shutdown hooks and returns nil.
func TestRunLocal(t *testing.T) {
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	hooks := make(chan string, 2)
	done := make(chan error, 1)
	go func() {
		done <- lambdahttp.Run(ctx, ok, lambdahttp.Config{
			Addr:   "127.0.0.1:0",
			Logger: slog.New(slog.NewJSONHandler(pw, nil)),
			OnShutdown: []func() error{
				func() error { hooks <- "first"; return nil },
				func() error { hooks <- "second"; return nil },
			},
		})
		pw.Close()
	}()
	dec := json.NewDecoder(pr)
	var line struct{ Msg, URL string }
	for line.Msg != "listening" {
		if err := dec.Decode(&line); err != nil {
			t.Fatalf("no listening line: %v", err)
		}
	}
	go io.Copy(io.Discard, pr)
	res, err := http.Get(line.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "served" {
		t.Fatalf("got %q", b)
	}
	select {
	case <-hooks:
		t.Fatal("a shutdown hook ran while serving")
	default:
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after the context ended")
	}
	if got := <-hooks + " " + <-hooks; got != "first second" {
		t.Errorf("hooks ran as %q, want in order", got)
	}
}

func TestRunRefusesBadAddr(t *testing.T) {
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "")
	err := lambdahttp.Run(context.Background(), ok, lambdahttp.Config{Addr: "not an address", Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "not an address") {
		t.Fatalf("got %v, want a listen error", err)
	}
}
