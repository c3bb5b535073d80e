package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

// otlpCollector starts a collector and points OTEL_EXPORTER_OTLP_ENDPOINT
// at it, beside an X-Ray daemon address that must then see nothing: the
// OTLP endpoint wins, as it must inside Lambda, which always sets one.
func otlpCollector(t *testing.T) (*tracingtest.Collector, *tracingtest.Daemon) {
	for _, k := range []string{"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_RUNTIME_API", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_SERVICE_NAME", "OTEL_TRACES_SAMPLER", "AWS_XRAY_SDK_DISABLED", "AWS_LAMBDA_MAX_CONCURRENCY"} {
		t.Setenv(k, "")
	}
	c := tracingtest.NewCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", strings.TrimSuffix(c.Endpoint(), "/v1/traces"))
	return c, tracingtest.NewDaemon(t)
}

// w3c is an X-Ray trace id as OTLP carries it.
func w3c(xrayID string) string { return strings.ReplaceAll(strings.TrimPrefix(xrayID, "1-"), "-", "") }

// TestLocalTracingOTLP: outside Lambda, with OTEL_EXPORTER_OTLP_ENDPOINT,
// each request is a server span continuing the caller's X-Amzn-Trace-Id,
// its Redis calls are client spans under it, and the spans exported in
// the background reach the collector when the app shuts down.
func TestLocalTracingOTLP(t *testing.T) {
	c, d := otlpCollector(t)
	s := newTestServer(t, map[string]string{"AWS_XRAY_DAEMON_ADDRESS": d.Addr()})
	const root, parent = "1-6745a1b2-89abcdef0123456789abcdef", "1111222233334444"
	res := s.post("/v1/auth/login", credentialsJSON("ada@example.com", goodPassword),
		"X-Amzn-Trace-Id", "Root="+root+";Parent="+parent+";Sampled=1")
	if res.status != http.StatusUnauthorized {
		t.Fatalf("login: got %d", res.status)
	}
	// Shutdown flushes the tracer (close runs on SIGTERM and at exit).
	if err := s.app.close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	spans := c.Spans()
	var server *tracingtest.Span
	for i, sp := range spans {
		if sp.Kind == 2 {
			server = &spans[i]
		}
	}
	if server == nil {
		t.Fatalf("no server span among %d spans", len(spans))
	}
	if server.TraceID != w3c(root) || server.ParentSpanID != parent || server.Resource["service.name"] != "trialbalance" ||
		server.Attributes["route"] != "POST /v1/auth/login" {
		t.Errorf("server span trace %s parent %s resource %v attributes %v: want trace %s under %s, service trialbalance, route POST /v1/auth/login",
			server.TraceID, server.ParentSpanID, server.Resource, server.Attributes, w3c(root), parent)
	}
	redis := 0
	for _, sp := range spans {
		if sp.Kind == 3 && sp.TraceID == server.TraceID {
			redis++
		}
		if strings.Contains(string(sp.Raw), goodPassword) {
			t.Errorf("span %q holds the password", sp.Name)
		}
	}
	if redis == 0 {
		t.Errorf("no client (Redis) spans in the trace: %+v", spans)
	}
	if docs := d.Documents(); len(docs) != 0 {
		t.Errorf("the X-Ray daemon got %d documents; the OTLP endpoint should win", len(docs))
	}
	for _, l := range s.logs.lines(t) {
		if l["msg"] == "request" && l["xray_trace_id"] != root {
			t.Errorf("access log xray_trace_id %v, want %s", l["xray_trace_id"], root)
		}
	}
}

// TestLambdaTracingOTLP: inside Lambda the request's span continues
// Lambda's trace under Lambda's segment, and it has reached the collector
// when the invocation returns, before Lambda would freeze the process.
func TestLambdaTracingOTLP(t *testing.T) {
	c, d := otlpCollector(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "trialbalance")
	s := newTestServer(t, map[string]string{"AWS_XRAY_DAEMON_ADDRESS": d.Addr()})
	const root, parent = "1-6745a1b2-0123456789abcdef01234567", "53995c3f42cd8ad8"
	ctx := tracingtest.LambdaContext(context.Background(), root, parent, true)
	if res := v2Call(t, inProcess(t, ctx, s.app.handler()), apiRequest{method: "GET", path: "/healthz"}); res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: got %d", res.StatusCode)
	}
	spans := c.Spans() // no Flush: exported before the invocation returned
	if len(spans) == 0 {
		t.Fatal("no spans at the collector when the invocation returned")
	}
	var sp tracingtest.Span
	for _, x := range spans {
		if x.Kind == 2 {
			sp = x
		}
	}
	if sp.TraceID != w3c(root) || sp.ParentSpanID != parent || sp.Name != "GET /healthz" || sp.Kind != 2 {
		t.Errorf("span %q kind %d trace %s parent %s: want the server span GET /healthz in trace %s under %s",
			sp.Name, sp.Kind, sp.TraceID, sp.ParentSpanID, w3c(root), parent)
	}
	if sp.Resource["cloud.platform"] != "aws_lambda" {
		t.Errorf("resource %v: want cloud.platform aws_lambda", sp.Resource)
	}
	if docs := d.Documents(); len(docs) != 0 {
		t.Errorf("the X-Ray daemon got %d documents; the OTLP endpoint should win", len(docs))
	}
}
