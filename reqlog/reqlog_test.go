package reqlog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/lambdasec/lambdasec/internal/reqinfo"
	"github.com/lambdasec/lambdasec/reqlog"
)

func jsonLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		out = append(out, m)
	}
	return out
}

func TestAccessLogLine(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(reqlog.NewHandler(slog.NewJSONHandler(&buf, nil)))
	al, err := reqlog.NewAccessLog(reqlog.Config{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "inside")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("12345"))
	})
	req := httptest.NewRequest("GET", "/v1/items/7?token=secret-in-query", nil)
	req.RemoteAddr = "203.0.113.9:4711"
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x")
	req.Header.Set("Cookie", "sid=cookie-secret")
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
	req.Header.Set("X-Request-Id", "client\nid<script>")
	rec := httptest.NewRecorder()
	al.Handler(mux).ServeHTTP(rec, req)

	lines := jsonLines(t, buf.Bytes())
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	inside, access := lines[0], lines[1]
	id := rec.Header().Get(reqlog.RequestIDHeader)
	if len(id) != 32 {
		t.Fatalf("X-Request-Id %q", id)
	}
	for _, l := range lines {
		if l["request_id"] != id || l["xray_trace_id"] != "1-5759e988-bd862e3fe1be46a994272793" || l["route"] != "GET /v1/items/{id}" {
			t.Errorf("line lacks the request attributes: %v", l)
		}
	}
	want := map[string]any{"msg": "request", "method": "GET", "path": "/v1/items/7", "status": 418.0, "bytes": 5.0,
		"client_ip": "203.0.113.9", "client_request_id": "clientidscript"}
	for k, v := range want {
		if access[k] != v {
			t.Errorf("%s = %v, want %v", k, access[k], v)
		}
	}
	if inside["msg"] != "inside" {
		t.Errorf("first line %v", inside)
	}
	for _, secret := range []string{"secret-in-query", "eyJhbGci", "cookie-secret", "token="} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log holds %q", secret)
		}
	}
}

// The request attributes stay at the top level under WithGroup and
// WithAttrs, where log queries look for them.
func TestHandlerGroups(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(reqlog.NewHandler(slog.NewJSONHandler(&buf, nil)))
	info := &reqinfo.Info{RequestID: "r-1", LambdaRequestID: "l-1", ColdStart: true, Function: "fn"}
	ctx := reqinfo.NewContext(context.Background(), info)
	logger.With("a", 1).WithGroup("g").With("b", 2).InfoContext(ctx, "m", "c", 3)
	logger.WithGroup("g").InfoContext(context.Background(), "no request", "c", 3)
	lines := jsonLines(t, buf.Bytes())
	l := lines[0]
	if l["request_id"] != "r-1" || l["function_request_id"] != "l-1" || l["cold_start"] != true || l["function_name"] != "fn" || l["a"] != 1.0 {
		t.Errorf("top level: %v", l)
	}
	g, _ := l["g"].(map[string]any)
	if g["b"] != 2.0 || g["c"] != 3.0 || g["request_id"] != nil {
		t.Errorf("group: %v", g)
	}
	if _, ok := lines[1]["request_id"]; ok {
		t.Errorf("a line without a request got request attributes: %v", lines[1])
	}
	if g, _ := lines[1]["g"].(map[string]any); g["c"] != 3.0 {
		t.Errorf("line without request lost its group: %v", lines[1])
	}
}

// An id given by the front door (lambdahttp) is used, not a new one.
func TestAccessLogKeepsFrontDoorID(t *testing.T) {
	var buf bytes.Buffer
	al, _ := reqlog.NewAccessLog(reqlog.Config{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	info := &reqinfo.Info{RequestID: "apigw-id", LambdaRequestID: "lambda-id", TraceID: "1-abc"}
	req := httptest.NewRequest("POST", "/x", nil).WithContext(reqinfo.NewContext(context.Background(), info))
	rec := httptest.NewRecorder()
	al.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})).ServeHTTP(rec, req)
	l := jsonLines(t, buf.Bytes())[0]
	if l["request_id"] != "apigw-id" || l["function_request_id"] != "lambda-id" || l["level"] != "ERROR" || rec.Header().Get("X-Request-Id") != "apigw-id" {
		t.Fatalf("line %v, header %q", l, rec.Header().Get("X-Request-Id"))
	}
}

func TestAccessLogPanicStillLogged(t *testing.T) {
	var buf bytes.Buffer
	al, _ := reqlog.NewAccessLog(reqlog.Config{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	func() {
		defer func() { _ = recover() }()
		al.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("x") })).
			ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}()
	if !strings.Contains(buf.String(), `"msg":"request"`) {
		t.Fatalf("no line for a panicking request: %q", buf.String())
	}
}

func TestAccessLogFlushReachesWriter(t *testing.T) {
	al, _ := reqlog.NewAccessLog(reqlog.Config{Logger: slog.New(slog.DiscardHandler)})
	rec := httptest.NewRecorder()
	al.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if !rec.Flushed {
		t.Fatal("Flush did not reach the recorder")
	}
}

func TestAccessLogConcurrent(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(reqlog.NewHandler(slog.NewJSONHandler(&lockedWriter{mu: &mu, w: &buf}, nil)))
	al, _ := reqlog.NewAccessLog(reqlog.Config{Logger: logger})
	h := al.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "inside")
	}))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if n := len(jsonLines(t, buf.Bytes())); n != 16*20*2 {
		t.Fatalf("%d lines", n)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func BenchmarkAccessLog(b *testing.B) {
	logger := slog.New(reqlog.NewHandler(slog.NewJSONHandler(discardWriter{}, nil)))
	al, _ := reqlog.NewAccessLog(reqlog.Config{Logger: logger})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"bare", ok}, {"accesslog", al.Handler(ok)}} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/v1/items", nil)
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
