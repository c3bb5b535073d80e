package lambdahttp_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdasec/lambdasec/lambdahttp"
)

// TestInvocationContext: the request's context is the invocation's, with
// the Lambda context, the deadline and Lambda's trace header.
func TestInvocationContext(t *testing.T) {
	const trace = "Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
	deadline := time.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	//lint:ignore SA1029 the key must be this string: it is aws-lambda-go's.
	ctx = context.WithValue(ctx, "x-amzn-trace-id", trace)

	var got []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lc, _ := lambdacontext.FromContext(r.Context())
		d, _ := r.Context().Deadline()
		ev, _ := lambdahttp.FromContext(r.Context())
		got = []string{lc.AwsRequestID, d.Format(time.RFC3339Nano), fmt.Sprint(r.Context().Value("x-amzn-trace-id")), ev.RequestID}
	})
	fn, err := lambdahttp.New(h, lambdahttp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fn.Invoke(ctx, readEvent(t, "apigw-v2.json")); err != nil {
		t.Fatal(err)
	}
	want := []string{"req-1", deadline.Format(time.RFC3339Nano), trace, "CxYz1hZ4IAMEVdw="}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestConcurrentInvoke: one Handler serves concurrent invocations (Lambda
// Managed Instances) and warns about lost ALB cookies once.
func TestConcurrentInvoke(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &logs}, nil))
	fn, err := lambdahttp.New(cookies, lambdahttp.Config{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"apigw-v1.json", "apigw-v2.json", "function-url.json", "alb-single.json", "alb-multi.json"}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if _, err := fn.Invoke(context.Background(), readEvent(t, files[i%len(files)])); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := strings.Count(logs.String(), "dropped="); n != 1 {
		t.Errorf("%d cookie warnings, want 1:\n%s", n, logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func BenchmarkInvoke(b *testing.B) {
	fn, err := lambdahttp.New(cookies, lambdahttp.Config{})
	if err != nil {
		b.Fatal(err)
	}
	event := readEvent(b, "apigw-v2.json")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fn.Invoke(ctx, event); err != nil {
			b.Fatal(err)
		}
	}
}
