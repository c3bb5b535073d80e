package bench

// Tracing: lambdasec/tracing's middleware against the X-Ray SDK's own
// xray.Handler, measured in the same run, both sending every request's
// segment over UDP to a sink on loopback. Each is given the same sampled
// incoming trace header, so both record every request. The SDK's Handler
// is configured the way its README shows (global xray.Configure), with the
// localized sampling strategy so no poller goroutine runs.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-xray-sdk-go/v2/strategy/sampling"
	"github.com/aws/aws-xray-sdk-go/v2/xray"

	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

type tracingDiscard struct{ h http.Header }

func (d *tracingDiscard) Header() http.Header         { return d.h }
func (d *tracingDiscard) Write(b []byte) (int, error) { return len(b), nil }
func (d *tracingDiscard) WriteHeader(int)             {}

func BenchmarkTracingHandler(b *testing.B) {
	for _, k := range []string{"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_XRAY_DAEMON_ADDRESS", "AWS_XRAY_SDK_DISABLED"} {
		b.Setenv(k, "")
	}
	addr := tracingtest.Discard(b)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	req := httptest.NewRequest("GET", "/orders/42", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1")
	lambdaReq := httptest.NewRequest("GET", "/orders/42", nil)
	//lint:ignore SA1029 the key aws-lambda-go uses.
	lambdaReq = lambdaReq.WithContext(context.WithValue(context.Background(), "x-amzn-trace-id",
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"))

	ours, err := tracing.New(tracing.Config{Service: "bench", DaemonAddr: addr})
	if err != nil {
		b.Fatal(err)
	}
	local, err := sampling.NewLocalizedStrategy()
	if err != nil {
		b.Fatal(err)
	}
	if err := xray.Configure(xray.Config{DaemonAddr: addr, SamplingStrategy: local}); err != nil {
		b.Fatal(err)
	}
	peer := xray.Handler(xray.NewFixedSegmentNamer("bench"), mux)

	run := func(b *testing.B, h http.Handler, r *http.Request) {
		w := &tracingDiscard{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, mux, req) })
	b.Run("lambdasec", func(b *testing.B) { run(b, ours.Handler(mux), req) })
	b.Run("xray.Handler", func(b *testing.B) { run(b, peer, req) })
	// Inside Lambda xray.Handler is not an option (it makes a detached
	// segment); the SDK's way is a Capture around the handler.
	b.Run("lambdasec-lambda", func(b *testing.B) { run(b, ours.Handler(mux), lambdaReq) })
	// The OTLP backend inside Lambda posts each request's spans to the
	// collector before the handler returns (Lambda freezes afterwards):
	// one loopback HTTP round trip per request.
	b.Run("lambdasec-otlp-lambda", func(b *testing.B) {
		c := tracingtest.NewCollector(b)
		b.Setenv("AWS_LAMBDA_FUNCTION_NAME", "bench")
		otlp, err := tracing.New(tracing.Config{Service: "bench", OTLPEndpoint: c.Endpoint()})
		if err != nil {
			b.Fatal(err)
		}
		run(b, otlp.Handler(mux), lambdaReq)
	})
	b.Run("xray.Capture-lambda", func(b *testing.B) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = xray.Capture(r.Context(), "GET /orders/{id}", func(ctx context.Context) error {
				mux.ServeHTTP(w, r.WithContext(ctx))
				return nil
			})
		})
		run(b, h, lambdaReq)
	})
}

// BenchmarkTracingXRayPaired alternates one Lambda-mode request traced by
// lambdasec (a subsegment of Lambda's segment, sent over UDP) with one
// wrapped in a bare xray.Capture by the X-Ray SDK, the SDK's way inside
// Lambda, both to the same UDP sink, and reports the per-pair median
// ratio (see pairedMedians). Goal: at most 1.1.
func BenchmarkTracingXRayPaired(b *testing.B) {
	clearTracingEnv(b)
	addr := tracingtest.Discard(b)
	mux := tracingBenchMux()
	ours, err := tracing.New(tracing.Config{Service: "bench", DaemonAddr: addr})
	if err != nil {
		b.Fatal(err)
	}
	local, err := sampling.NewLocalizedStrategy()
	if err != nil {
		b.Fatal(err)
	}
	if err := xray.Configure(xray.Config{DaemonAddr: addr, SamplingStrategy: local}); err != nil {
		b.Fatal(err)
	}
	h := ours.Handler(mux)
	peer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = xray.Capture(r.Context(), "GET /orders/{id}", func(ctx context.Context) error {
			mux.ServeHTTP(w, r.WithContext(ctx))
			return nil
		})
	})
	r, w := lambdaRequest(), &tracingDiscard{h: http.Header{}}
	for range 100 {
		h.ServeHTTP(w, r)
		peer.ServeHTTP(w, r)
	}
	pairedMedians(b, "lambdasec", func(int) { h.ServeHTTP(w, r) }, "xray.Capture", func(int) { peer.ServeHTTP(w, r) })
}
