package main

import (
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/internal/exampletest"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

func TestRun(t *testing.T) {
	out := exampletest.Run(t, run)
	exampletest.Contains(t, out,
		"response: 200 downstream saw a trace header: true",
		// Outside Lambda: a segment continuing the incoming trace.
		`segment "orders" trace=1-67890abc-0123456789abcdef01234567 parent=1111222233334444 status=200 annotations: cold_start=true order_id=42 route=GET /orders/{id} service=orders service_version=1.4.2`,
		`  subsegment "load order"`,
		"namespace=remote status=200",
		// Inside Lambda: a subsegment under Lambda's segment.
		`subsegment "GET /orders/:id" trace=1-67890abc-fedcba9876543210fedcba98 parent=53995c3f42cd8ad8 status=200 annotations: cold_start=false order_id=7`,
		"X-Ray names may not contain braces",
	)
}

// TestRunOTLP: with OTEL_EXPORTER_OTLP_ENDPOINT set the example exports
// OTLP to that collector (and nothing to a daemon), the local request's
// span continues the incoming X-Amzn-Trace-Id with its trace id and
// parent, and the Lambda request's span continues Lambda's trace under
// Lambda's segment. run flushes before it returns.
func TestRunOTLP(t *testing.T) {
	for _, k := range []string{"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_RUNTIME_API", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SERVICE_NAME", "OTEL_TRACES_SAMPLER", "AWS_XRAY_SDK_DISABLED"} {
		t.Setenv(k, "")
	}
	c := tracingtest.NewCollector(t)
	d := tracingtest.NewDaemon(t)
	out := exampletest.RunEnv(t, run, map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": strings.TrimSuffix(c.Endpoint(), "/v1/traces"),
		"AWS_XRAY_DAEMON_ADDRESS":     d.Addr(),
	})
	exampletest.Contains(t, out, "response: 200 downstream saw a trace header: true", "sent to the X-Ray daemon or OTLP endpoint")
	servers := map[string]tracingtest.Span{}
	for _, s := range c.Spans() {
		if s.Kind == 2 {
			servers[s.TraceID] = s
		}
	}
	for _, want := range []struct{ trace, parent, name string }{
		{"67890abc0123456789abcdef01234567", "1111222233334444", "orders"},          // local, continuing the client's header
		{"67890abcfedcba9876543210fedcba98", "53995c3f42cd8ad8", "GET /orders/:id"}, // inside Lambda
	} {
		s, ok := servers[want.trace]
		if !ok {
			t.Errorf("no server span in trace %s; got %v", want.trace, servers)
			continue
		}
		if s.ParentSpanID != want.parent || s.Name != want.name || s.Resource["service.name"] != "orders" {
			t.Errorf("span %q parent %s resource %v: want %q under %s of service orders", s.Name, s.ParentSpanID, s.Resource, want.name, want.parent)
		}
	}
	if docs := d.Documents(); len(docs) != 0 {
		t.Errorf("the daemon got %d documents; the OTLP endpoint should win", len(docs))
	}
}

// TestRunDaemon: with AWS_XRAY_DAEMON_ADDRESS set and no OTLP endpoint the
// example keeps X-Ray, sending both requests' documents to that daemon.
func TestRunDaemon(t *testing.T) {
	for _, k := range []string{"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_RUNTIME_API", "OTEL_EXPORTER_OTLP_ENDPOINT",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "AWS_XRAY_SDK_DISABLED"} {
		t.Setenv(k, "")
	}
	d := tracingtest.NewDaemon(t)
	exampletest.RunEnv(t, run, map[string]string{"AWS_XRAY_DAEMON_ADDRESS": d.Addr()})
	got := map[string]string{}
	for _, doc := range d.Documents() {
		got[doc.TraceID] = doc.ParentID
	}
	for trace, parent := range map[string]string{
		"1-67890abc-0123456789abcdef01234567": "1111222233334444",
		"1-67890abc-fedcba9876543210fedcba98": "53995c3f42cd8ad8",
	} {
		if p, ok := got[trace]; !ok || p != parent {
			t.Errorf("trace %s: parent %q (found %v), want %s", trace, p, ok, parent)
		}
	}
}
