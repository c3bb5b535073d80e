package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

// discard is a ResponseWriter that keeps nothing, so the benchmarks
// measure the middleware rather than httptest.ResponseRecorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func benchMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	})
	return m
}

func benchServe(b *testing.B, h http.Handler, req *http.Request) {
	b.Helper()
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

// BenchmarkHandler compares a bare ServeMux with the same mux behind a
// disabled Tracer and behind an enabled one, sampled and not, outside and
// inside Lambda. Sampled requests include sending the document over UDP
// to a fake daemon on loopback.
func BenchmarkHandler(b *testing.B) {
	for _, k := range []string{"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_XRAY_DAEMON_ADDRESS", "AWS_XRAY_SDK_DISABLED"} {
		b.Setenv(k, "")
	}
	on, err := tracing.New(tracing.Config{Service: "bench", DaemonAddr: tracingtest.Discard(b)})
	if err != nil {
		b.Fatal(err)
	}
	off, _ := tracing.New(tracing.Config{Disabled: true})
	mux := benchMux()

	plain := httptest.NewRequest("GET", "/orders/42", nil)
	sampled := plain.Clone(context.Background())
	sampled.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1")
	unsampled := plain.Clone(context.Background())
	unsampled.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Sampled=0")
	lambda := plain.WithContext(tracingtest.LambdaContext(context.Background(),
		"1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true))

	b.Run("bare", func(b *testing.B) { benchServe(b, mux, plain) })
	b.Run("disabled", func(b *testing.B) { benchServe(b, off.Handler(mux), sampled) })
	b.Run("unsampled", func(b *testing.B) { benchServe(b, on.Handler(mux), unsampled) })
	b.Run("sampled", func(b *testing.B) { benchServe(b, on.Handler(mux), sampled) })
	b.Run("lambda-sampled", func(b *testing.B) { benchServe(b, on.Handler(mux), lambda) })
	b.Run("lambda-sampled-routes", func(b *testing.B) { benchServe(b, on.Handler(tracing.Routes(mux)), lambda) })
}

func BenchmarkAnnotate(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = tracing.Annotate(ctx, "user.id", int64(42)) // checked, not recorded
	}
}
