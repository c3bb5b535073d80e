package tracing_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

// span is what both backends record for one (sub)segment or span, in
// X-Ray's terms, so one table of expectations covers both.
type span struct {
	TraceID, ID, Parent, Name string
	Status                    int
	Fault                     bool
	Annotations               map[string]any
	Raw                       string // everything recorded, for redaction checks
}

// backend builds a Tracer on one backend and returns what it recorded.
type backend struct {
	name string
	new  func(t *testing.T, cfg tracing.Config) (*tracing.Tracer, func() []span)
}

var backends = []backend{
	{"xray", func(t *testing.T, cfg tracing.Config) (*tracing.Tracer, func() []span) {
		tr, d := newTracer(t, cfg)
		return tr, func() []span {
			var out []span
			for _, doc := range d.Documents() {
				out = flatten(out, doc, doc.TraceID, doc.ParentID)
			}
			return out
		}
	}},
	{"otlp", func(t *testing.T, cfg tracing.Config) (*tracing.Tracer, func() []span) {
		c := tracingtest.NewCollector(t)
		cfg.Service, cfg.OTLPEndpoint = "orders", c.Endpoint()
		tr, err := tracing.New(cfg)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		return tr, func() []span {
			if err := tr.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			var out []span
			for _, s := range c.Spans() {
				v := span{TraceID: "1-" + s.TraceID[:8] + "-" + s.TraceID[8:], ID: s.SpanID, Parent: s.ParentSpanID,
					Name: s.Name, Fault: s.StatusCode == 2, Annotations: s.Attributes,
					Raw: fmt.Sprint(s.Attributes, s.Events, s.StatusMessage, s.Resource) + string(s.Raw)}
				if st, ok := s.Attributes["http.response.status_code"].(int64); ok {
					v.Status = int(st)
				}
				if v.Status >= 400 && v.Status < 500 {
					v.Fault = false // an error, not a fault
				}
				out = append(out, v)
			}
			return out
		}
	}},
}

func flatten(out []span, d tracingtest.Document, traceID, parent string) []span {
	v := span{TraceID: traceID, ID: d.ID, Parent: parent, Name: d.Name, Fault: d.Fault, Annotations: d.Annotations, Raw: string(d.Raw)}
	if d.HTTP != nil {
		v.Status = d.HTTP.Response.Status
	}
	out = append(out, v)
	for _, c := range d.Subsegments {
		out = flatten(out, c, traceID, d.ID)
	}
	return out
}

// TestBackends runs one behavioural table against the X-Ray and the OTLP
// backend.
func TestBackends(t *testing.T) {
	const secret = "s3cret-v4lue"
	tests := []struct {
		name     string
		lambda   bool
		sampled  bool
		method   string
		target   string
		header   string // X-Amzn-Trace-Id outside Lambda
		wantRoot string // "" means a fresh trace id
		wantPar  string
		wantName string
		status   int
		fault    bool
		children int
	}{
		{name: "continues X-Amzn-Trace-Id", sampled: true, method: "GET", target: "/users/42?token=" + secret,
			header:   "Root=" + localRoot + ";Parent=0123456789abcdef;Sampled=1",
			wantRoot: localRoot, wantPar: "0123456789abcdef", wantName: "orders", status: 200, children: 1},
		{name: "starts a trace", sampled: true, method: "GET", target: "/users/7", header: "",
			wantName: "orders", status: 200, children: 1},
		{name: "5xx is a fault", sampled: true, method: "POST", target: "/fail",
			header: "Root=" + localRoot + ";Sampled=1", wantRoot: localRoot, wantName: "orders", status: 503, fault: true},
		{name: "unsampled records nothing", method: "GET", target: "/users/1", header: "Root=" + localRoot + ";Sampled=0"},
		{name: "lambda continues the invocation", lambda: true, sampled: true, method: "GET", target: "/users/42",
			wantRoot: lambdaRoot, wantPar: lambdaParent, wantName: "GET /users/:id", status: 200, children: 1},
		{name: "lambda unsampled", lambda: true, method: "GET", target: "/users/42"},
	}
	for _, b := range backends {
		for _, tc := range tests {
			t.Run(b.name+"/"+tc.name, func(t *testing.T) {
				outsideLambda(t)
				if tc.lambda {
					t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
				}
				tr, collect := b.new(t, tracing.Config{})
				h := tr.Handler(backendMux(t, secret))
				ctx := context.Background()
				if tc.lambda {
					ctx = tracingtest.LambdaContext(ctx, lambdaRoot, lambdaParent, tc.sampled)
				}
				req := httptest.NewRequestWithContext(ctx, tc.method, "http://api.example"+tc.target, nil)
				req.Header.Set("Authorization", "Bearer "+secret)
				req.Header.Set("Cookie", "session="+secret)
				if tc.header != "" && !tc.lambda {
					req.Header.Set("X-Amzn-Trace-Id", tc.header)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				spans := collect()
				if !tc.sampled {
					if len(spans) != 0 {
						t.Fatalf("got %d spans, want none", len(spans))
					}
					return
				}
				if len(spans) != 1+tc.children {
					t.Fatalf("got %d spans, want %d: %+v", len(spans), 1+tc.children, spans)
				}
				root := spans[0]
				if tc.wantRoot != "" && root.TraceID != tc.wantRoot || tc.wantRoot == "" && root.TraceID == "" {
					t.Errorf("trace id %q, want %q", root.TraceID, tc.wantRoot)
				}
				if root.Parent != tc.wantPar || root.Name != tc.wantName || root.Status != tc.status || root.Fault != tc.fault {
					t.Errorf("root %+v, want parent %q name %q status %d fault %v", root, tc.wantPar, tc.wantName, tc.status, tc.fault)
				}
				if rec.Header().Get("X-Trace") != "" && rec.Header().Get("X-Trace") != root.TraceID {
					t.Errorf("TraceID in the handler %q, recorded %q", rec.Header().Get("X-Trace"), root.TraceID)
				}
				for _, s := range spans[1:] {
					if s.TraceID != root.TraceID || s.Parent != root.ID || s.Name != "lookup" || !s.Fault {
						t.Errorf("child %+v, want a fault named lookup under %s", s, root.ID)
					}
				}
				for _, s := range spans {
					if strings.Contains(s.Raw, secret) {
						t.Errorf("secret recorded: %s", s.Raw)
					}
				}
			})
		}
	}
}

func backendMux(t *testing.T, secret string) http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := tracing.Annotate(r.Context(), "user.id", r.PathValue("id")); err != nil {
			t.Errorf("Annotate: %v", err)
		}
		_ = tracing.Capture(r.Context(), "lookup", func(context.Context) error {
			return errors.New("no row for '" + secret + "'")
		})
		http.SetCookie(w, &http.Cookie{Name: "session", Value: secret})
		w.Header().Set("X-Trace", tracing.TraceID(r.Context()))
		w.Write([]byte("hello"))
	})
	m.HandleFunc("POST /fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusServiceUnavailable)
	})
	return m
}

// TestOTLPEndpointFromEnv: the OTEL_ variables choose the OTLP backend
// even where a daemon address is set, as Lambda always sets one.
func TestOTLPEndpointFromEnv(t *testing.T) {
	outsideLambda(t)
	c := tracingtest.NewCollector(t)
	d := tracingtest.NewDaemon(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", strings.TrimSuffix(c.Endpoint(), "/v1/traces"))
	t.Setenv("OTEL_SERVICE_NAME", "billing")
	t.Setenv("OTEL_TRACES_SAMPLER", "always_on")
	tr, err := tracing.New(tracing.Config{DaemonAddr: d.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Traceparent", "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-00")
	tr.Handler(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), req)
	if err := tr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := c.Spans()
	// always_on is not parent-based: the unsampled traceparent is
	// continued (same trace id) but does not decide.
	if len(spans) != 1 || spans[0].Resource["service.name"] != "billing" ||
		spans[0].TraceID != "5759e988bd862e3fe1be46a994272793" || spans[0].ParentSpanID != "53995c3f42cd8ad8" {
		t.Fatalf("spans %+v", spans)
	}
	if docs := d.Documents(); len(docs) != 0 {
		t.Errorf("X-Ray got %d documents", len(docs))
	}
	for _, bad := range []string{"ftp://x/v1/traces", "http://user:pw@x/v1/traces", "://"} {
		t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", bad)
		if _, err := tracing.New(tracing.Config{}); !errors.Is(err, tracing.ErrOTLPEndpoint) || strings.Contains(err.Error(), "pw") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_TRACES_SAMPLER", "sometimes")
	if _, err := tracing.New(tracing.Config{}); !errors.Is(err, tracing.ErrSamplingRules) {
		t.Errorf("unknown sampler: %v", err)
	}
}
