package lambdahttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lambdasec/lambdasec/lambdahttp"
	"github.com/lambdasec/lambdasec/reqlog"
)

// Every log line a handler writes through a reqlog logger carries the
// invocation: API Gateway's request id (the Lambda request id for an ALB,
// which has none), the Lambda request id, the X-Ray trace id, the route
// and cold_start, true for the first invocation only.
func TestRequestAttributesOnLogLines(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(reqlog.NewHandler(slog.NewJSONHandler(&buf, nil)))
	mux := http.NewServeMux()
	mux.HandleFunc("/items/{path...}", func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "handled")
	})
	fn, err := lambdahttp.New(mux, lambdahttp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	invoke := func(event, reqID, trace string) map[string]any {
		t.Helper()
		buf.Reset()
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: reqID})
		//lint:ignore SA1029 the key must be this string: it is aws-lambda-go's.
		ctx = context.WithValue(ctx, "x-amzn-trace-id", trace)
		if _, err := fn.Invoke(ctx, readEvent(t, event)); err != nil {
			t.Fatal(err)
		}
		var line map[string]any
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("%s: log %q: %v", event, buf.String(), err)
		}
		return line
	}
	const root = "1-6745a1b2-0123456789abcdef01234567"
	first := invoke("apigw-v2.json", "req-1", "Root="+root+";Parent=53995c3f42cd8ad8;Sampled=1")
	want := map[string]any{
		reqlog.KeyRequestID: "CxYz1hZ4IAMEVdw=", reqlog.KeyLambdaRequestID: "req-1",
		reqlog.KeyTraceID: root, reqlog.KeyColdStart: true, reqlog.KeyRoute: "/items/{path...}",
	}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("first invocation: %s = %v, want %v (line %v)", k, first[k], v, first)
		}
	}
	second := invoke("alb-single.json", "req-2", "malformed")
	for k, v := range map[string]any{reqlog.KeyRequestID: "req-2", reqlog.KeyLambdaRequestID: "req-2", reqlog.KeyColdStart: false} {
		if second[k] != v {
			t.Errorf("second invocation (ALB): %s = %v, want %v (line %v)", k, second[k], v, second)
		}
	}
	if _, ok := second[reqlog.KeyTraceID]; ok {
		t.Errorf("a malformed trace header reached the log: %v", second)
	}
}
