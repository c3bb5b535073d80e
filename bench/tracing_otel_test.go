package bench

// Tracing against the official OpenTelemetry Go SDK: otelhttp's handler
// with the SDK's tracer provider, the OTLP/HTTP (protobuf) exporter and
// the X-Ray id generator and propagator from contrib, which is how the
// ADOT documentation sets up a Go service. Both sides export to the same
// loopback collector (tracingtest.Collector) in the same run.
//
// Inside Lambda both must export before the invocation returns: ours
// posts each request's spans before its handler returns, the SDK is given
// a synchronous span processor (WithSyncer) so that span.End posts them.
// Lambda's trace header reaches the SDK the way the deprecated otellambda
// did it, by extracting the invocation context's header with the X-Ray
// propagator. Outside Lambda ours exports in the background and the SDK
// through its batch span processor.

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	xrayprop "go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"

	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

const (
	benchLambdaRoot   = "1-5759e988-bd862e3fe1be46a994272793"
	benchLambdaParent = "53995c3f42cd8ad8"
)

// otelFixture is the official SDK's handler around mux, exporting to c:
// synchronously when lambda is true, in batches otherwise.
func otelFixture(tb testing.TB, c *tracingtest.Collector, mux http.Handler, lambda bool) http.Handler {
	tb.Helper()
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(c.Endpoint()))
	if err != nil {
		tb.Fatal(err)
	}
	export := sdktrace.WithBatcher(exp)
	if lambda {
		export = sdktrace.WithSyncer(exp)
	}
	tp := sdktrace.NewTracerProvider(export,
		sdktrace.WithIDGenerator(xrayprop.NewIDGenerator()),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("bench"))))
	tb.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	prop := xrayprop.Propagator{}
	h := otelhttp.NewHandler(mux, "bench", otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator(prop, propagation.TraceContext{})))
	if !lambda {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, _ := r.Context().Value("x-amzn-trace-id").(string) // the key aws-lambda-go uses
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier{"X-Amzn-Trace-Id": []string{v}})
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// tracingBenchMux is the service both sides trace: one route.
func tracingBenchMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	return mux
}

func lambdaRequest() *http.Request {
	r := httptest.NewRequest("GET", "/orders/42", nil)
	//lint:ignore SA1029 the key aws-lambda-go uses.
	return r.WithContext(context.WithValue(context.Background(), "x-amzn-trace-id",
		"Root="+benchLambdaRoot+";Parent="+benchLambdaParent+";Sampled=1"))
}

func clearTracingEnv(b testing.TB) {
	for _, k := range []string{"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_XRAY_DAEMON_ADDRESS",
		"AWS_XRAY_SDK_DISABLED", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_SERVICE_NAME", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "AWS_LAMBDA_MAX_CONCURRENCY"} {
		b.Setenv(k, "")
	}
}

// resetEvery keeps a long benchmark's collector from holding every span.
func resetEvery(c *tracingtest.Collector, i int) {
	if i%4096 == 0 {
		c.Reset()
	}
}

// BenchmarkTracingOTel runs each side on its own: ns/op and allocations.
func BenchmarkTracingOTel(b *testing.B) {
	clearTracingEnv(b)
	mux := tracingBenchMux()
	outside := httptest.NewRequest("GET", "/orders/42", nil)
	outside.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1")
	run := func(b *testing.B, c *tracingtest.Collector, h http.Handler, r *http.Request) {
		w := &tracingDiscard{h: http.Header{}}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.ServeHTTP(w, r)
			i++
			resetEvery(c, i)
		}
	}
	b.Run("lambdasec-otlp", func(b *testing.B) {
		c := tracingtest.NewCollector(b)
		// Spans dropped because exports backed up would flatter ours:
		// count the warnings and report them.
		var warned countingHandler
		tr, err := tracing.New(tracing.Config{Service: "bench", OTLPEndpoint: c.Endpoint(), Logger: slog.New(&warned)})
		if err != nil {
			b.Fatal(err)
		}
		run(b, c, tr.Handler(mux), outside)
		b.StopTimer()
		_ = tr.Flush(context.Background())
		b.ReportMetric(float64(warned.n.Load()), "warnings")
	})
	b.Run("otelhttp-batch", func(b *testing.B) {
		c := tracingtest.NewCollector(b)
		run(b, c, otelFixture(b, c, mux, false), outside)
	})
	b.Run("lambdasec-otlp-lambda", func(b *testing.B) {
		c := tracingtest.NewCollector(b)
		b.Setenv("AWS_LAMBDA_FUNCTION_NAME", "bench")
		tr, err := tracing.New(tracing.Config{Service: "bench", OTLPEndpoint: c.Endpoint()})
		if err != nil {
			b.Fatal(err)
		}
		run(b, c, tr.Handler(mux), lambdaRequest())
	})
	b.Run("otelhttp-lambda", func(b *testing.B) {
		c := tracingtest.NewCollector(b)
		run(b, c, otelFixture(b, c, mux, true), lambdaRequest())
	})
}

// BenchmarkTracingOTelPaired alternates one Lambda-mode request through
// ours and one through otelhttp with the SDK, each exporting before it
// returns, and reports the per-pair median ratio (see pairedMedians).
func BenchmarkTracingOTelPaired(b *testing.B) {
	clearTracingEnv(b)
	mux := tracingBenchMux()
	c := tracingtest.NewCollector(b)
	peer := otelFixture(b, c, mux, true)
	b.Setenv("AWS_LAMBDA_FUNCTION_NAME", "bench")
	tr, err := tracing.New(tracing.Config{Service: "bench", OTLPEndpoint: c.Endpoint()})
	if err != nil {
		b.Fatal(err)
	}
	ours := tr.Handler(mux)
	r, w := lambdaRequest(), &tracingDiscard{h: http.Header{}}
	for range 100 { // warm both connections
		ours.ServeHTTP(w, r)
		peer.ServeHTTP(w, r)
	}
	pairedMedians(b, "lambdasec", func(i int) { resetEvery(c, i); ours.ServeHTTP(w, r) },
		"otelhttp", func(int) { peer.ServeHTTP(w, r) })
}

// TestOTelSDKSpansDecode checks the comparison is like for like: both
// sides' spans reach the collector, continue Lambda's trace under its
// segment, and the collector decodes what the official exporter sends.
func TestOTelSDKSpansDecode(t *testing.T) {
	clearTracingEnv(t)
	mux := tracingBenchMux()
	c := tracingtest.NewCollector(t)
	peer := otelFixture(t, c, mux, true)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "bench")
	tr, err := tracing.New(tracing.Config{Service: "bench", OTLPEndpoint: c.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []http.Handler{tr.Handler(mux), peer} {
		h.ServeHTTP(httptest.NewRecorder(), lambdaRequest())
	}
	spans := c.Spans()
	if len(spans) != 2 {
		t.Fatalf("got %d spans, want one from each side: %+v", len(spans), spans)
	}
	wantTrace := "5759e988bd862e3fe1be46a994272793" // the X-Ray root without its dashes
	for _, s := range spans {
		if s.TraceID != wantTrace || s.ParentSpanID != benchLambdaParent || s.Kind != 2 {
			t.Errorf("span %q: trace %s parent %s kind %d, want trace %s parent %s kind 2 (server)",
				s.Name, s.TraceID, s.ParentSpanID, s.Kind, wantTrace, benchLambdaParent)
		}
		if s.Resource["service.name"] != "bench" {
			t.Errorf("span %q: resource %v", s.Name, s.Resource)
		}
	}
}

// countingHandler is a slog.Handler that counts the records it gets.
type countingHandler struct{ n atomic.Int64 }

func (h *countingHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (h *countingHandler) Handle(context.Context, slog.Record) error { h.n.Add(1); return nil }
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h *countingHandler) WithGroup(string) slog.Handler             { return h }
