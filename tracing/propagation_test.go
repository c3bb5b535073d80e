package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

// TestPropagation runs on both backends: an incoming trace (the client's
// X-Amzn-Trace-Id or W3C traceparent outside Lambda, Lambda's invocation
// header inside) is continued with its trace id, and an outgoing call
// made through Client carries that trace id with the id of the span that
// made the call as parent, so the downstream service joins the same trace.
func TestPropagation(t *testing.T) {
	const (
		localParent = "0123456789abcdef"
		w3cTrace    = "6745a1b289abcdef0123456789abcdef"
		w3cRoot     = "1-6745a1b2-89abcdef0123456789abcdef"
	)
	tests := []struct {
		name            string
		lambda          bool
		header, value   string
		otlpOnly        bool
		wantRoot, wantP string // the trace and parent the request's span continues
	}{
		{name: "X-Amzn-Trace-Id", header: "X-Amzn-Trace-Id",
			value:    "Root=" + localRoot + ";Parent=" + localParent + ";Sampled=1",
			wantRoot: localRoot, wantP: localParent},
		// The OTLP backend reads W3C Trace Context as well, so a trace
		// started by an OpenTelemetry service continues.
		{name: "traceparent", header: "Traceparent", otlpOnly: true,
			value:    "00-" + w3cTrace + "-" + localParent + "-01",
			wantRoot: w3cRoot, wantP: localParent},
		{name: "lambda invocation", lambda: true, wantRoot: lambdaRoot, wantP: lambdaParent},
	}
	for _, b := range backends {
		for _, tc := range tests {
			if tc.otlpOnly && b.name != "otlp" {
				continue
			}
			t.Run(b.name+"/"+tc.name, func(t *testing.T) {
				outsideLambda(t)
				if tc.lambda {
					t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
				}
				var mu sync.Mutex
				var got http.Header
				downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					got = r.Header.Clone()
					mu.Unlock()
				}))
				defer downstream.Close()
				client := tracing.Client(&http.Client{})

				tr, collect := b.new(t, tracing.Config{})
				h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					req, _ := http.NewRequestWithContext(r.Context(), "GET", downstream.URL+"/stock", nil)
					res, err := client.Do(req)
					if err != nil {
						t.Errorf("downstream: %v", err)
						return
					}
					res.Body.Close()
				}))
				ctx := context.Background()
				if tc.lambda {
					ctx = tracingtest.LambdaContext(ctx, lambdaRoot, lambdaParent, true)
				}
				req := httptest.NewRequestWithContext(ctx, "GET", "http://api.example/orders", nil)
				if tc.header != "" {
					req.Header.Set(tc.header, tc.value)
				}
				h.ServeHTTP(httptest.NewRecorder(), req)
				spans := collect()
				if len(spans) != 2 {
					t.Fatalf("got %d spans, want the request's and the call's: %+v", len(spans), spans)
				}
				reqSpan, call := spans[0], spans[1]
				if call.Parent != reqSpan.ID {
					reqSpan, call = call, reqSpan // the call's span may arrive first
				}
				if reqSpan.TraceID != tc.wantRoot || reqSpan.Parent != tc.wantP {
					t.Errorf("request span trace %s parent %s, want trace %s parent %s", reqSpan.TraceID, reqSpan.Parent, tc.wantRoot, tc.wantP)
				}
				if call.TraceID != tc.wantRoot || call.Parent != reqSpan.ID {
					t.Errorf("call span trace %s parent %s, want trace %s under %s", call.TraceID, call.Parent, tc.wantRoot, reqSpan.ID)
				}

				mu.Lock()
				defer mu.Unlock()
				xray := got.Get("X-Amzn-Trace-Id")
				for _, want := range []string{"Root=" + tc.wantRoot, "Parent=" + call.ID, "Sampled=1"} {
					if !strings.Contains(xray, want) {
						t.Errorf("downstream X-Amzn-Trace-Id %q lacks %s", xray, want)
					}
				}
				tp := got.Get("Traceparent")
				if b.name == "otlp" {
					want := "00-" + strings.ReplaceAll(tc.wantRoot[2:], "-", "") + "-" + call.ID + "-01"
					if tp != want {
						t.Errorf("downstream traceparent %q, want %q", tp, want)
					}
				} else if tp != "" {
					t.Errorf("the X-Ray backend sent traceparent %q", tp)
				}
			})
		}
	}
}
