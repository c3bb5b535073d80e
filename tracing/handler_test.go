package tracing_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdasec/lambdasec/internal/lambdatest"
	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

const (
	lambdaRoot   = "1-5759e988-bd862e3fe1be46a994272793"
	lambdaParent = "53995c3f42cd8ad8"
)

// outsideLambda clears the variables that make New think it runs in Lambda
// or that configure a daemon, so tests see a known environment.
func outsideLambda(t *testing.T) {
	for _, k := range []string{"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_RUNTIME_API",
		"AWS_LAMBDA_FUNCTION_VERSION", "AWS_XRAY_DAEMON_ADDRESS", "AWS_XRAY_SDK_DISABLED",
		"AWS_LAMBDA_MAX_CONCURRENCY", "_X_AMZN_TRACE_ID", "AWS_XRAY_TRACING_NAME", "AWS_XRAY_NOOP_ID",
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SERVICE_NAME", "OTEL_TRACES_SAMPLER"} {
		t.Setenv(k, "")
	}
}

func newTracer(t *testing.T, cfg tracing.Config) (*tracing.Tracer, *tracingtest.Daemon) {
	t.Helper()
	d := tracingtest.NewDaemon(t)
	if cfg.DaemonAddr == "" {
		cfg.DaemonAddr = d.Addr()
	}
	if cfg.Service == "" {
		cfg.Service = "orders"
	}
	tr, err := tracing.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tr, d
}

func mux(t *testing.T) *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := tracing.Annotate(r.Context(), "user.id", r.PathValue("id")); err != nil {
			t.Errorf("Annotate: %v", err)
		}
		if err := tracing.Annotate(r.Context(), "big", int64(1)<<40); err != nil {
			t.Errorf("Annotate int64: %v", err)
		}
		w.Header().Set("X-Trace", tracing.TraceID(r.Context()))
		w.Write([]byte("hello"))
	})
	m.HandleFunc("POST /fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusServiceUnavailable)
	})
	m.HandleFunc("GET /limited", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
	})
	m.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	})
	return m
}

func TestLocalSegmentPerRequest(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{Version: "1.2.3"})
	h := tr.Handler(mux(t))

	incoming := "Root=1-67891233-abcdef012345678912345678;Parent=0123456789abcdef;Sampled=1"
	tests := []struct {
		name        string
		method, url string
		header      string
		wantStatus  int
		wantName    string
		wantTrace   string // "" means a fresh id
		wantParent  string
		wantRoute   string
		wantFlags   [3]bool // error, fault, throttle
		wantUserAnn bool
	}{
		{name: "continues incoming header", method: "GET", url: "/users/42?token=secret", header: incoming,
			wantStatus: 200, wantTrace: "1-67891233-abcdef012345678912345678", wantParent: "0123456789abcdef",
			wantRoute: "GET /users/{id}", wantUserAnn: true},
		{name: "no header starts a trace", method: "GET", url: "/users/7", header: "",
			wantStatus: 200, wantRoute: "GET /users/{id}", wantUserAnn: true},
		// A forged or malformed Root must not become the trace id.
		{name: "malformed root is ignored", method: "GET", url: "/users/7",
			header: "Root=1-zzzz;Parent=0123456789abcdef;Sampled=1", wantStatus: 200,
			wantRoute: "GET /users/{id}", wantUserAnn: true},
		{name: "5xx is a fault", method: "POST", url: "/fail", header: incoming, wantStatus: 503,
			wantTrace: "1-67891233-abcdef012345678912345678", wantParent: "0123456789abcdef",
			wantRoute: "POST /fail", wantFlags: [3]bool{false, true, false}},
		{name: "429 is a throttle", method: "GET", url: "/limited", header: incoming, wantStatus: 429,
			wantTrace: "1-67891233-abcdef012345678912345678", wantParent: "0123456789abcdef",
			wantRoute: "GET /limited", wantFlags: [3]bool{true, false, true}},
		{name: "404 is an error", method: "GET", url: "/nowhere", header: incoming, wantStatus: 404,
			wantTrace: "1-67891233-abcdef012345678912345678", wantParent: "0123456789abcdef",
			wantFlags: [3]bool{true, false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d.Reset()
			req := httptest.NewRequest(tc.method, "http://api.example"+tc.url, nil)
			req.Header.Set("User-Agent", "test-agent")
			if tc.header != "" {
				req.Header.Set("X-Amzn-Trace-Id", tc.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tc.wantStatus)
			}
			if got := rec.Header().Get("X-Amzn-Trace-Id"); got != "" {
				t.Errorf("trace header echoed to the client: %q", got)
			}
			docs := d.Documents()
			if len(docs) != 1 {
				t.Fatalf("got %d documents, want 1", len(docs))
			}
			doc := docs[0]
			if doc.Type != "" || doc.Name != "orders" {
				t.Errorf("type %q name %q, want a segment named orders", doc.Type, doc.Name)
			}
			if tc.wantTrace != "" && doc.TraceID != tc.wantTrace {
				t.Errorf("trace id %q, want %q", doc.TraceID, tc.wantTrace)
			}
			if tc.wantTrace == "" && (doc.TraceID == "" || strings.Contains(doc.TraceID, "zzzz")) {
				t.Errorf("trace id %q, want a fresh one", doc.TraceID)
			}
			if doc.ParentID != tc.wantParent {
				t.Errorf("parent id %q, want %q", doc.ParentID, tc.wantParent)
			}
			if x := rec.Header().Get("X-Trace"); tc.wantStatus == 200 && x != doc.TraceID {
				t.Errorf("TraceID in handler %q, document %q", x, doc.TraceID)
			}
			if doc.HTTP == nil {
				t.Fatal("no http block")
			}
			if doc.HTTP.Request.Method != tc.method || doc.HTTP.Request.URL != "http://api.example"+strings.Split(tc.url, "?")[0] {
				t.Errorf("request %s %s", doc.HTTP.Request.Method, doc.HTTP.Request.URL)
			}
			if doc.HTTP.Request.UserAgent != "test-agent" || doc.HTTP.Request.ClientIP != "192.0.2.1" {
				t.Errorf("user agent %q client ip %q", doc.HTTP.Request.UserAgent, doc.HTTP.Request.ClientIP)
			}
			if doc.HTTP.Response.Status != tc.wantStatus || doc.HTTP.Response.ContentLength != rec.Body.Len() {
				t.Errorf("response %+v, want status %d length %d", doc.HTTP.Response, tc.wantStatus, rec.Body.Len())
			}
			if got := [3]bool{doc.Error, doc.Fault, doc.Throttle}; got != tc.wantFlags {
				t.Errorf("error/fault/throttle %v, want %v", got, tc.wantFlags)
			}
			if doc.Annotations["service"] != "orders" || doc.Annotations["service_version"] != "1.2.3" {
				t.Errorf("annotations %v", doc.Annotations)
			}
			if _, ok := doc.Annotations["cold_start"].(bool); !ok {
				t.Errorf("cold_start annotation missing: %v", doc.Annotations)
			}
			if r, _ := doc.Annotations["route"].(string); r != tc.wantRoute {
				t.Errorf("route %q, want %q", r, tc.wantRoute)
			}
			if tc.wantUserAnn {
				if doc.Annotations["user_id"] == nil || doc.Annotations["big"] != float64(1<<40) {
					t.Errorf("user annotations %v", doc.Annotations)
				}
			}
			if doc.Service["version"] != "1.2.3" {
				t.Errorf("service.version %v", doc.Service)
			}
		})
	}
}

func TestColdStartOnlyFirst(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	h := tr.Handler(mux(t))
	for range 3 {
		req := httptest.NewRequest("GET", "/users/1", nil)
		req.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Sampled=1")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	docs := d.Documents()
	if len(docs) != 3 {
		t.Fatalf("got %d documents, want 3", len(docs))
	}
	for i, doc := range docs {
		if got, want := doc.Annotations["cold_start"], i == 0; got != want {
			t.Errorf("request %d: cold_start %v, want %v", i, got, want)
		}
	}
}

func TestPanicIsFaultAndReraised(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	h := tr.Handler(mux(t))
	req := httptest.NewRequest("GET", "/panic", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Sampled=1")
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the handler's panic value", p)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), req)
	}()
	docs := d.Documents()
	if len(docs) != 1 {
		t.Fatalf("got %d documents, want 1", len(docs))
	}
	doc := docs[0]
	if !doc.Fault || doc.HTTP.Response.Status != 500 {
		t.Errorf("fault %v status %d, want a 500 fault", doc.Fault, doc.HTTP.Response.Status)
	}
	if doc.Cause == nil || len(doc.Cause.Exceptions) == 0 || !strings.Contains(doc.Cause.Exceptions[0].Message, "boom") {
		t.Errorf("cause %s", doc.Raw)
	}
}

func TestUnsampledEmitsNothing(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	var id string
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id = tracing.TraceID(r.Context())
		if err := tracing.Annotate(r.Context(), "k", "v"); err != nil {
			t.Errorf("Annotate: %v", err)
		}
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Parent=0123456789abcdef;Sampled=0")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if id != "1-67891233-abcdef012345678912345678" {
		t.Errorf("TraceID %q, want the incoming root", id)
	}
	if docs := d.Documents(); len(docs) != 0 {
		t.Errorf("got %d documents, want none", len(docs))
	}
}

func TestSamplingRules(t *testing.T) {
	outsideLambda(t)
	none := []byte(`{"version":2,"default":{"fixed_target":0,"rate":0}}`)
	tr, d := newTracer(t, tracing.Config{SamplingRules: none})
	h := tr.Handler(http.NotFoundHandler())
	for range 5 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	if docs := d.Documents(); len(docs) != 0 {
		t.Errorf("rate 0: got %d documents, want none", len(docs))
	}
	all := []byte(`{"version":2,"default":{"fixed_target":0,"rate":1}}`)
	tr, d = newTracer(t, tracing.Config{SamplingRules: all})
	h = tr.Handler(http.NotFoundHandler())
	for range 5 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	if docs := d.Documents(); len(docs) != 5 {
		t.Errorf("rate 1: got %d documents, want 5", len(docs))
	}
	if _, err := tracing.New(tracing.Config{DaemonAddr: d.Addr(), SamplingRules: []byte("{")}); err == nil {
		t.Error("bad rules: New returned no error")
	}
}

// lambdaInvoke drives h the way Lambda does: an HTTP API v2 event through
// lambdahttp, with the invocation context aws-lambda-go builds.
func lambdaInvoke(t *testing.T, h http.Handler, ctx context.Context, method, path string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: path,
		Headers: map[string]string{"user-agent": "lambda-test", "x-amzn-trace-id": "Root=1-11111111-111111111111111111111111;Sampled=1"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: "abc.execute-api.eu-west-1.amazonaws.com", Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, SourceIP: "203.0.113.9", Protocol: "HTTP/1.1"},
		},
	}
	return lambdatest.Invoke[events.APIGatewayV2HTTPResponse](t, ctx, h, ev)
}

func TestLambdaSubsegmentPerRequest(t *testing.T) {
	outsideLambda(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")
	t.Setenv("AWS_LAMBDA_FUNCTION_VERSION", "7")
	tr, d := newTracer(t, tracing.Config{Service: "-"})
	if !tr.Enabled() {
		t.Fatal("tracer disabled in Lambda")
	}
	h := tr.Handler(mux(t))
	ctx := tracingtest.LambdaContext(context.Background(), lambdaRoot, lambdaParent, true)

	resp := lambdaInvoke(t, h, ctx, "GET", "/users/42")
	if resp.StatusCode != 200 || resp.Headers["X-Trace"] != lambdaRoot {
		t.Fatalf("status %d, X-Trace %q: TraceID must be Lambda's root at handler level", resp.StatusCode, resp.Headers["X-Trace"])
	}
	lambdaInvoke(t, h, ctx, "POST", "/fail")
	lambdaInvoke(t, h, ctx, "DELETE", "/nothing")

	docs := d.Documents()
	if len(docs) != 3 {
		t.Fatalf("got %d documents, want 3", len(docs))
	}
	wantNames := []string{"GET /users/:id", "POST /fail", "DELETE unmatched"}
	for i, doc := range docs {
		if doc.Type != "subsegment" || doc.TraceID != lambdaRoot || doc.ParentID != lambdaParent {
			t.Errorf("doc %d: type %q trace %q parent %q, want a subsegment of Lambda's segment", i, doc.Type, doc.TraceID, doc.ParentID)
		}
		if doc.Name != wantNames[i] {
			t.Errorf("doc %d: name %q, want %q", i, doc.Name, wantNames[i])
		}
		if doc.Annotations["service"] != "-" || doc.Annotations["service_version"] != "7" {
			t.Errorf("doc %d: annotations %v", i, doc.Annotations)
		}
		if doc.HTTP == nil || doc.HTTP.Request.ClientIP != "203.0.113.9" {
			t.Errorf("doc %d: http %s", i, doc.Raw)
		}
	}
	if docs[0].Annotations["user_id"] != "42" || docs[0].Annotations["cold_start"] != true {
		t.Errorf("annotations %v", docs[0].Annotations)
	}
	if docs[0].HTTP.Response.Status != 200 || docs[0].HTTP.Request.Method != "GET" ||
		!strings.HasSuffix(docs[0].HTTP.Request.URL, "abc.execute-api.eu-west-1.amazonaws.com/users/42") {
		t.Errorf("http %s", mustJSON(docs[0].HTTP))
	}
	if !docs[1].Fault || docs[1].HTTP.Response.Status != 503 || docs[1].Annotations["cold_start"] != false {
		t.Errorf("POST /fail: %s", docs[1].Raw)
	}
}

func TestLambdaUnsampledAndEmpty(t *testing.T) {
	outsideLambda(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-fn")
	tr, d := newTracer(t, tracing.Config{})
	tests := []struct {
		name   string
		ctx    context.Context
		wantID string
	}{
		{name: "Sampled=0", ctx: tracingtest.LambdaContext(context.Background(), lambdaRoot, lambdaParent, false), wantID: lambdaRoot},
		// The runtime interface emulator passes an empty header.
		//lint:ignore SA1029 the key is aws-lambda-go's.
		{name: "empty header", ctx: context.WithValue(context.Background(), "x-amzn-trace-id", ""), wantID: ""},
		// Without Lambda's segment id a subsegment would hang from
		// nothing: the request is traced for logs, not recorded.
		//lint:ignore SA1029 the key is aws-lambda-go's.
		{name: "no parent", ctx: context.WithValue(context.Background(), "x-amzn-trace-id", "Root="+lambdaRoot+";Sampled=1"), wantID: lambdaRoot},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var id string
			h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				id = tracing.TraceID(r.Context())
				if err := tracing.Annotate(r.Context(), "k", 1); err != nil {
					t.Errorf("Annotate: %v", err)
				}
				w.WriteHeader(204)
			}))
			lambdaInvoke(t, h, tc.ctx, "GET", "/")
			if id != tc.wantID {
				t.Errorf("TraceID %q, want %q", id, tc.wantID)
			}
			if docs := d.Documents(); len(docs) != 0 {
				t.Errorf("got %d documents, want none", len(docs))
			}
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestColdStartCountsUnsampled(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	h := tr.Handler(http.NotFoundHandler())
	for _, s := range []string{"0", "1"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-Amzn-Trace-Id", "Root="+localRoot+";Sampled="+s)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	docs := d.Documents()
	if len(docs) != 1 || docs[0].Annotations["cold_start"] != false {
		t.Errorf("the second request, sampled, must not be a cold start: %v", docs)
	}
}

// Behind api-proxy's Proxy (no context), the runtime's _X_AMZN_TRACE_ID
// still links the request to Lambda's segment; under Lambda Managed
// Instances that variable is shared by concurrent invocations and unset,
// so it is not used.
func TestLambdaEnvFallback(t *testing.T) {
	tests := []struct {
		name     string
		maxConc  string
		wantDocs int
	}{
		{name: "one invocation at a time", maxConc: "", wantDocs: 1},
		{name: "managed instances", maxConc: "4", wantDocs: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			outsideLambda(t)
			t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
			t.Setenv("AWS_LAMBDA_MAX_CONCURRENCY", tc.maxConc)
			t.Setenv("_X_AMZN_TRACE_ID", "Root="+lambdaRoot+";Parent="+lambdaParent+";Sampled=1")
			tr, d := newTracer(t, tracing.Config{})
			req := httptest.NewRequest("GET", "/", nil)
			// A client-sent header must not be used inside Lambda.
			req.Header.Set("X-Amzn-Trace-Id", "Root="+localRoot+";Sampled=1")
			tr.Handler(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), req)
			docs := d.Documents()
			if len(docs) != tc.wantDocs {
				t.Fatalf("got %d documents, want %d", len(docs), tc.wantDocs)
			}
			if tc.wantDocs == 1 && (docs[0].TraceID != lambdaRoot || docs[0].ParentID != lambdaParent || docs[0].Type != "subsegment") {
				t.Errorf("document %s", docs[0].Raw)
			}
		})
	}
}

func TestResponseWriterPassThrough(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	// The client can have the whole answer (a hijacked one at least)
	// before the middleware has closed the segment: wait for the server.
	var served sync.WaitGroup
	traced := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flush":
			w.Write([]byte("a"))
			w.(http.Flusher).Flush()
			if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
				t.Errorf("ResponseController does not reach the server's writer: %v", err)
			}
		case "/copy":
			io.Copy(w, strings.NewReader("0123456789"))
		case "/hijack":
			c, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Errorf("Hijack: %v", err)
				return
			}
			buf.WriteString("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
			buf.Flush()
			c.Close()
		}
	}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer served.Done()
		traced.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := srv.Client()
	defer c.CloseIdleConnections()
	for _, p := range []string{"/flush", "/copy", "/hijack"} {
		req, _ := http.NewRequest("GET", srv.URL+p, nil)
		req.Header.Set("X-Amzn-Trace-Id", "Root="+localRoot+";Sampled=1")
		served.Add(1)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	served.Wait()
	docs := d.Documents()
	if len(docs) != 3 {
		t.Fatalf("got %d documents, want 3", len(docs))
	}
	want := []struct{ status, length int }{{200, 1}, {200, 10}, {101, 0}}
	for i, doc := range docs {
		if doc.HTTP.Response.Status != want[i].status || doc.HTTP.Response.ContentLength != want[i].length {
			t.Errorf("doc %d: response %+v, want %+v", i, doc.HTTP.Response, want[i])
		}
	}
}

// Past 20 subsegments the tracer sends finished ones as documents of their
// own; each must still name the trace and its parent.
func TestManySubsegmentsAreStreamed(t *testing.T) {
	outsideLambda(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	tr, d := newTracer(t, tracing.Config{})
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 30 {
			_ = tracing.Capture(r.Context(), "step", func(context.Context) error { return nil })
		}
	}))
	req := httptest.NewRequestWithContext(tracingtest.LambdaContext(context.Background(), lambdaRoot, lambdaParent, true), "GET", "/", nil)
	h.ServeHTTP(httptest.NewRecorder(), req)
	docs := d.Documents()
	steps := 0
	var request tracingtest.Document
	for _, doc := range docs {
		if doc.TraceID != lambdaRoot {
			t.Errorf("document outside the trace: %s", doc.Raw)
		}
		if doc.Name == "step" {
			steps++
		} else {
			request = doc
		}
		steps += len(doc.Subsegments)
	}
	if steps != 30 || request.ParentID != lambdaParent {
		t.Errorf("%d steps in %d documents, request parent %q", steps, len(docs), request.ParentID)
	}
	for _, doc := range docs {
		if doc.Name == "step" && doc.ParentID != request.ID {
			t.Errorf("streamed step has parent %q, want the request %q", doc.ParentID, request.ID)
		}
	}
}

func TestLambdaNameWithoutPattern(t *testing.T) {
	outsideLambda(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	tr, d := newTracer(t, tracing.Config{})
	// A router that does not set r.Pattern.
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }))
	lambdaInvoke(t, h, tracingtest.LambdaContext(context.Background(), lambdaRoot, lambdaParent, true), "PUT", "/items/9")
	docs := d.Documents()
	if len(docs) != 1 || docs[0].Name != "PUT" || docs[0].Annotations["route"] != nil {
		t.Errorf("documents %v", docs)
	}
}

// withCopy is middleware that hands next a copy of the request, as most
// authentication and request-id middleware does.
func withCopy(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		type key struct{}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, "x")))
	})
}

// TestRouteBehindCopyingMiddleware checks that the route still names the
// request when middleware between the Tracer and the mux copies the
// request, which hides the r.Pattern the mux sets from the Tracer.
func TestRouteBehindCopyingMiddleware(t *testing.T) {
	outsideLambda(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	tr, d := newTracer(t, tracing.Config{})
	chiLike := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tracing.SetRoute(r.Context(), "GET /items/{id}")
		w.WriteHeader(http.StatusNoContent)
	})
	override := http.NewServeMux()
	override.HandleFunc("GET /api/", func(w http.ResponseWriter, r *http.Request) {
		// A sub-router below the mux knows the finer route.
		tracing.SetRoute(r.Context(), "GET /api/orders/{id}")
		w.WriteHeader(http.StatusNoContent)
	})
	tests := []struct {
		name      string
		handler   http.Handler
		path      string
		wantName  string
		wantRoute any
	}{
		// The trap: the mux sets Pattern on the copy, the Tracer never sees it.
		{name: "copy hides the pattern", handler: withCopy(mux(t)), path: "/users/42",
			wantName: "GET", wantRoute: nil},
		{name: "Routes recovers it", handler: withCopy(tracing.Routes(mux(t))), path: "/users/42",
			wantName: "GET /users/:id", wantRoute: "GET /users/{id}"},
		{name: "Routes under two copies", handler: withCopy(withCopy(tracing.Routes(mux(t)))), path: "/users/42",
			wantName: "GET /users/:id", wantRoute: "GET /users/{id}"},
		{name: "Routes without middleware", handler: tracing.Routes(mux(t)), path: "/users/42",
			wantName: "GET /users/:id", wantRoute: "GET /users/{id}"},
		{name: "Routes keeps the route when the handler panics", handler: withCopy(tracing.Routes(mux(t))), path: "/panic",
			wantName: "GET /panic", wantRoute: "GET /panic"},
		{name: "SetRoute behind another router", handler: withCopy(chiLike), path: "/items/9",
			wantName: "GET /items/:id", wantRoute: "GET /items/{id}"},
		{name: "SetRoute wins over the mux pattern", handler: withCopy(tracing.Routes(override)), path: "/api/orders/3",
			wantName: "GET /api/orders/:id", wantRoute: "GET /api/orders/{id}"},
		{name: "unmatched stays unmatched", handler: withCopy(tracing.Routes(mux(t))), path: "/nowhere",
			wantName: "GET unmatched", wantRoute: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d.Reset()
			h := tr.Handler(tc.handler)
			func() {
				defer func() { _ = recover() }() // the panic case; api-proxy re-raises it
				lambdaInvoke(t, h, tracingtest.LambdaContext(context.Background(), lambdaRoot, lambdaParent, true), "GET", tc.path)
			}()
			docs := d.Documents()
			if len(docs) != 1 {
				t.Fatalf("got %d documents, want 1", len(docs))
			}
			if docs[0].Name != tc.wantName || docs[0].Annotations["route"] != tc.wantRoute {
				t.Errorf("name %q, route %v; want %q, %v", docs[0].Name, docs[0].Annotations["route"], tc.wantName, tc.wantRoute)
			}
		})
	}
}

// TestRouteLocalMode checks the route annotation of a local segment behind
// copying middleware.
func TestRouteLocalMode(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	h := tr.Handler(withCopy(tracing.Routes(mux(t))))
	req := httptest.NewRequest("GET", "/users/5", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root="+lambdaRoot+";Sampled=1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	docs := d.Documents()
	if len(docs) != 1 || docs[0].Name != "orders" || docs[0].Annotations["route"] != "GET /users/{id}" {
		t.Fatalf("documents %v", docs)
	}
	// Outside a traced request both are no-ops.
	tracing.SetRoute(context.Background(), "GET /x")
	rec := httptest.NewRecorder()
	tracing.Routes(mux(t)).ServeHTTP(rec, httptest.NewRequest("GET", "/users/1", nil))
	if rec.Code != 200 {
		t.Errorf("untraced request through Routes: status %d", rec.Code)
	}
}

// TestClientFieldsBounded checks that what a client controls (user agent,
// path) is cut before it reaches a document: X-Ray drops documents over
// 64 KiB, which would lose the trace.
func TestClientFieldsBounded(t *testing.T) {
	outsideLambda(t)
	tr, d := newTracer(t, tracing.Config{})
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest("GET", "/"+strings.Repeat("p", 70_000), nil)
	req.Header.Set("User-Agent", strings.Repeat("a", 70_000))
	req.Header.Set("X-Amzn-Trace-Id", "Root="+lambdaRoot+";Sampled=1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	docs := d.Documents()
	if len(docs) != 1 || docs[0].HTTP == nil {
		t.Fatalf("documents %v", docs)
	}
	if ua, u := docs[0].HTTP.Request.UserAgent, docs[0].HTTP.Request.URL; len(ua) > 256 || len(u) > 2048 {
		t.Errorf("user agent %d bytes, URL %d bytes; want at most 256 and 2048", len(ua), len(u))
	}
}
