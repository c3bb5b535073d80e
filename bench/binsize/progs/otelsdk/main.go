// Command otelsdk is the baseline traced by the official OpenTelemetry Go
// SDK as ADOT sets it up: otelhttp, the SDK's tracer provider, the
// OTLP/HTTP exporter and the X-Ray id generator and propagator.
package main

import (
	"context"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/contrib/propagators/aws/xray"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	exp, err := otlptracehttp.New(context.Background())
	if err != nil {
		panic(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithIDGenerator(xray.NewIDGenerator()))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(xray.Propagator{})
	_ = http.ListenAndServe("127.0.0.1:8080", otelhttp.NewHandler(mux, "orders"))
}
