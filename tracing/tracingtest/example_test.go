package tracingtest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

func ExampleNewDaemon() {
	// In a test function:
	test := func(t *testing.T) {
		d := tracingtest.NewDaemon(t)
		tr, err := tracing.New(tracing.Config{DaemonAddr: d.Addr()})
		if err != nil {
			t.Fatal(err)
		}
		_ = tr // serve requests through tr.Handler ...
		for _, doc := range d.Documents() {
			if doc.Fault {
				t.Errorf("%s failed", doc.Name)
			}
		}
	}
	_ = test
}

func ExampleListen() {
	d, err := tracingtest.Listen()
	if err != nil {
		panic(err)
	}
	defer d.Close()
	tr, _ := tracing.New(tracing.Config{Service: "api", DaemonAddr: d.Addr()})
	h := tr.Handler(http.NotFoundHandler())
	req := httptest.NewRequest("GET", "/missing", nil)
	req.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Sampled=1")
	h.ServeHTTP(httptest.NewRecorder(), req)

	docs, err := d.Received()
	fmt.Println(len(docs), err, docs[0].Name, docs[0].Error, docs[0].HTTP.Response.Status)
	// Output: 1 <nil> api true 404
}

func ExampleLambdaContext() {
	d, _ := tracingtest.Listen()
	defer d.Close()
	tr, _ := tracing.New(tracing.Config{DaemonAddr: d.Addr()})
	ctx := tracingtest.LambdaContext(context.Background(), "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true)
	req := httptest.NewRequestWithContext(ctx, "GET", "/", nil)
	tr.Handler(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), req)

	docs, _ := d.Received()
	fmt.Println(docs[0].Type, docs[0].TraceID, docs[0].ParentID)
	// Output: subsegment 1-5759e988-bd862e3fe1be46a994272793 53995c3f42cd8ad8
}

func ExampleDocument_Find() {
	doc := tracingtest.Document{Name: "GET /a", Subsegments: []tracingtest.Document{{Name: "Secrets Manager", Namespace: "aws"}}}
	sub, ok := doc.Find("Secrets Manager")
	fmt.Println(ok, sub.Namespace)
	// Output: true aws
}

func ExampleDiscard() {
	bench := func(b *testing.B) {
		tr, _ := tracing.New(tracing.Config{DaemonAddr: tracingtest.Discard(b)})
		h := tr.Handler(http.NotFoundHandler())
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Sampled=1")
		for b.Loop() {
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	}
	_ = bench
}

func ExampleDecode() {
	datagram := []byte(`{"format": "json", "version": 1}` + "\n" +
		`{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"92d09d98a5410bd9","name":"GET /orders/:id","type":"subsegment"}`)
	doc, err := tracingtest.Decode(datagram)
	fmt.Println(doc.Name, doc.Type, err)
	// Output: GET /orders/:id subsegment <nil>
}
