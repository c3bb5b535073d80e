package secevent_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/secevent"
)

// checkEMF validates one document against the Embedded Metric Format
// specification's required members and returns its metric values.
func checkEMF(t *testing.T, line []byte) map[string]float64 {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(line, &doc); err != nil {
		t.Fatalf("not one JSON object: %v: %s", err, line)
	}
	aws, ok := doc["_aws"].(map[string]any)
	if !ok {
		t.Fatalf("no _aws object: %s", line)
	}
	if ts, ok := aws["Timestamp"].(float64); !ok || ts <= 0 {
		t.Fatalf("_aws.Timestamp %v is not a positive number", aws["Timestamp"])
	}
	directives, ok := aws["CloudWatchMetrics"].([]any)
	if !ok || len(directives) == 0 {
		t.Fatalf("_aws.CloudWatchMetrics %v", aws["CloudWatchMetrics"])
	}
	values := map[string]float64{}
	for _, d := range directives {
		dir := d.(map[string]any)
		if ns, ok := dir["Namespace"].(string); !ok || ns == "" || len(ns) > 255 {
			t.Fatalf("Namespace %v", dir["Namespace"])
		}
		for _, set := range dir["Dimensions"].([]any) {
			keys := set.([]any)
			if len(keys) == 0 || len(keys) > 30 {
				t.Fatalf("dimension set of %d keys", len(keys))
			}
			for _, k := range keys {
				if _, ok := doc[k.(string)].(string); !ok {
					t.Fatalf("dimension %v is not a string member of the root", k)
				}
			}
		}
		metrics := dir["Metrics"].([]any)
		if len(metrics) == 0 || len(metrics) > 100 {
			t.Fatalf("%d metrics in one document", len(metrics))
		}
		for _, md := range metrics {
			def := md.(map[string]any)
			name, _ := def["Name"].(string)
			v, ok := doc[name].(float64)
			if name == "" || len(name) > 255 || !ok {
				t.Fatalf("metric %v has no numeric root member", def)
			}
			if u := def["Unit"]; u != nil && u != "Count" {
				t.Fatalf("unit %v", u)
			}
			values[name] = v
		}
	}
	return values
}

func lines(b []byte) [][]byte {
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

func TestMetricsEMF(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	m, err := secevent.NewMetrics(secevent.MetricsConfig{Out: &out, Service: "tb", PerRoute: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		secevent.Emit(ctx, m, secevent.Event{Name: secevent.AuthnLoginFail, Route: "POST /v1/auth/login"})
	}
	secevent.Emit(ctx, m, secevent.Event{Name: secevent.AuthnTokenInvalid, Route: "GET /v1/trial-balance"})
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	docs := lines(out.Bytes())
	if len(docs) != 3 { // the service totals and one per route
		t.Fatalf("%d documents:\n%s", len(docs), out.String())
	}
	total := checkEMF(t, docs[0])
	if total["authn_login_fail"] != 3 || total["authn_token_invalid"] != 1 {
		t.Errorf("totals %v", total)
	}
	if !strings.Contains(string(docs[1]), `"route":"GET /v1/trial-balance"`) {
		t.Errorf("route document %s", docs[1])
	}
	for _, d := range docs[1:] {
		checkEMF(t, d)
	}
	if !strings.Contains(string(docs[0]), fmt.Sprintf(`"Timestamp":%d`, now.UnixMilli())) {
		t.Errorf("timestamp: %s", docs[0])
	}

	out.Reset()
	if err := m.Flush(); err != nil || out.Len() != 0 {
		t.Fatalf("an empty flush wrote %q (%v)", out.String(), err)
	}
}

// More than 100 names split into documents of at most 100 metrics, and a
// flood of distinct routes is capped.
func TestMetricsLimits(t *testing.T) {
	var out bytes.Buffer
	m, _ := secevent.NewMetrics(secevent.MetricsConfig{Out: &out, PerRoute: true})
	for i := range 250 {
		m.Record(context.Background(), secevent.Event{Name: secevent.Name(fmt.Sprintf("n%03d", i)), Route: fmt.Sprintf("GET /r%d", i)})
	}
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	docs := lines(out.Bytes())
	routes := map[string]bool{}
	sum := 0.0
	for _, d := range docs {
		v := checkEMF(t, d)
		var root map[string]any
		_ = json.Unmarshal(d, &root)
		if r, ok := root["route"].(string); ok {
			routes[r] = true
		} else {
			for _, n := range v {
				sum += n
			}
		}
	}
	if sum != 250 {
		t.Errorf("service totals sum to %v, want 250", sum)
	}
	if len(routes) != 101 || !routes["other"] {
		t.Errorf("%d routes (other: %v), want 100 and other", len(routes), routes["other"])
	}
}

func TestMetricsHandlerFlushes(t *testing.T) {
	var out bytes.Buffer
	m, _ := secevent.NewMetrics(secevent.MetricsConfig{Out: &out})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secevent.Emit(r.Context(), m, secevent.Event{Name: secevent.ExcessRateLimitExceeded})
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	docs := lines(out.Bytes())
	if len(docs) != 1 || checkEMF(t, docs[0])["excess_rate_limit_exceeded"] != 1 {
		t.Fatalf("after one request: %s", out.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestMetricsWriteError(t *testing.T) {
	m, _ := secevent.NewMetrics(secevent.MetricsConfig{Out: failingWriter{}, Logger: discard()})
	m.Record(context.Background(), secevent.Event{Name: secevent.AuthzFail})
	if err := m.Flush(); err == nil {
		t.Fatal("no error from a failing writer")
	}
}

func TestMetricsRunFlushesAtEnd(t *testing.T) {
	var out safeBuffer
	m, _ := secevent.NewMetrics(secevent.MetricsConfig{Out: &out})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx, time.Hour); close(done) }()
	m.Record(context.Background(), secevent.Event{Name: secevent.SysShutdown})
	cancel()
	<-done
	if !strings.Contains(out.String(), `"sys_shutdown":1`) {
		t.Fatalf("Run did not flush on exit: %q", out.String())
	}
}

func TestMetricsConcurrent(t *testing.T) {
	var out safeBuffer
	m, _ := secevent.NewMetrics(secevent.MetricsConfig{Out: &out, PerRoute: true})
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			for i := range 500 {
				m.Record(context.Background(), secevent.Event{Name: secevent.AuthnLoginFail, Route: fmt.Sprint(g, i%3)})
				if i%100 == 0 {
					_ = m.Flush()
				}
			}
			done <- struct{}{}
		}()
	}
	for range 8 {
		<-done
	}
	_ = m.Flush()
	total := 0.0
	for _, d := range lines([]byte(out.String())) {
		var root map[string]any
		_ = json.Unmarshal(d, &root)
		if _, ok := root["route"]; !ok {
			total += checkEMF(t, d)["authn_login_fail"]
		}
	}
	if total != 4000 {
		t.Fatalf("counted %v events, want 4000", total)
	}
}
