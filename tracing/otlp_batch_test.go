package tracing_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

// TestOTLPBatchesOutsideLambda: outside Lambda, requests that end while an
// export is in flight go out together in one export request, which
// decodes to all of their spans, and Flush waits for every one.
func TestOTLPBatchesOutsideLambda(t *testing.T) {
	outsideLambda(t)
	var mu sync.Mutex
	posts, spans := 0, 0
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got, err := tracingtest.DecodeExport(body)
		if err != nil {
			t.Errorf("export %d: %v", posts, err)
		}
		mu.Lock()
		posts++
		first := posts == 1
		spans += len(got)
		mu.Unlock()
		if first {
			<-release // hold the first export so that the others queue up
		}
	}))
	defer srv.Close()
	tr, err := tracing.New(tracing.Config{Service: "orders", OTLPEndpoint: srv.URL + "/v1/traces", SamplingRules: []byte(`{"version":2,"default":{"fixed_target":0,"rate":1}}`)})
	if err != nil {
		t.Fatal(err)
	}
	h := tr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	const n = 50
	for range n {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	close(release)
	if err := tr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if spans != n {
		t.Errorf("collector decoded %d spans, want %d", spans, n)
	}
	if posts > 3 {
		t.Errorf("%d export requests for %d spans, want the queued ones batched", posts, n)
	}
}
