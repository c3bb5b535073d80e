package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

// TestEmulatorTracing runs the real bootstrap under the Lambda runtime
// interface emulator, on each backend, and checks that a request's span
// continues the invocation's trace under Lambda's segment and has been
// exported when the invocation returns.
//
// The emulator forwards no trace id to the runtime, so
// testenv.StartTracedLambda adds the header Lambda sends with each
// invocation in front of the emulator's Runtime API.
func TestEmulatorTracing(t *testing.T) {
	testenv.LambdaRIE(t)
	redisAddr := testenv.RedisAddr(t)
	const root, parent = "1-6745a1b2-fedcba9876543210fedcba98", "53995c3f42cd8ad8"
	header := "Root=" + root + ";Parent=" + parent + ";Sampled=1"
	base := []string{
		"JWT_SECRET=" + randomSecret(t), "REDIS_ADDR=" + redisAddr,
		"AWS_LAMBDA_FUNCTION_NAME=trialbalance", "AWS_LAMBDA_FUNCTION_TIMEOUT=60", "AWS_REGION=us-east-1",
	}

	t.Run("otlp", func(t *testing.T) {
		c := tracingtest.NewCollector(t)
		d := tracingtest.NewDaemon(t)
		fn := testenv.StartTracedLambda(t, ".", header, append(base,
			"REDIS_KEY_PREFIX="+fmt.Sprintf("test:trialbalance:rie-otlp:%d:", time.Now().UnixNano()),
			"OTEL_EXPORTER_OTLP_ENDPOINT="+strings.TrimSuffix(c.Endpoint(), "/v1/traces"),
			"AWS_XRAY_DAEMON_ADDRESS="+d.Addr())...)
		if out := fn.Invoke(t, v2Event(t, apiRequest{method: "GET", path: "/healthz"})); !strings.Contains(string(out), `"statusCode":200`) {
			t.Fatalf("healthz: %s", out)
		}
		var server *tracingtest.Span
		spans := c.Spans() // no flush: exported before the invocation returned
		for i := range spans {
			if spans[i].Kind == 2 {
				server = &spans[i]
			}
		}
		if server == nil {
			t.Fatalf("no server span at the collector when the invocation returned: %+v", spans)
		}
		if server.TraceID != w3c(root) || server.ParentSpanID != parent || server.Name != "GET /healthz" ||
			server.Resource["cloud.platform"] != "aws_lambda" {
			t.Errorf("span %q trace %s parent %s resource %v: want GET /healthz in trace %s under %s on aws_lambda",
				server.Name, server.TraceID, server.ParentSpanID, server.Resource, w3c(root), parent)
		}
		if docs := d.Documents(); len(docs) != 0 {
			t.Errorf("the X-Ray daemon got %d documents; the OTLP endpoint should win", len(docs))
		}
	})

	t.Run("xray", func(t *testing.T) {
		d := tracingtest.NewDaemon(t)
		fn := testenv.StartTracedLambda(t, ".", header, append(base,
			"REDIS_KEY_PREFIX="+fmt.Sprintf("test:trialbalance:rie-xray:%d:", time.Now().UnixNano()),
			"AWS_XRAY_DAEMON_ADDRESS="+d.Addr())...)
		if out := fn.Invoke(t, v2Event(t, apiRequest{method: "GET", path: "/healthz"})); !strings.Contains(string(out), `"statusCode":200`) {
			t.Fatalf("healthz: %s", out)
		}
		docs := d.Documents()
		if len(docs) == 0 {
			t.Fatal("no X-Ray documents")
		}
		if doc := docs[0]; doc.Type != "subsegment" || doc.TraceID != root || doc.ParentID != parent || doc.Name != "GET /healthz" {
			t.Errorf("document %q type %q trace %s parent %s: want the subsegment GET /healthz in trace %s under %s",
				doc.Name, doc.Type, doc.TraceID, doc.ParentID, root, parent)
		}
	})
}
