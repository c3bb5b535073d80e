package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAccessLogPanic: a handler that panics costs its request a 500
// problem document and a logged stack, not the process (or the Lambda
// environment); http.ErrAbortHandler still aborts as net/http intends.
func TestAccessLogPanic(t *testing.T) {
	noTrace := func(context.Context) string { return "" }
	noIP := func(*http.Request) string { return "" }
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))

	h := accessLog(log, noTrace, noIP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("index out of range")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	if rec.Code != http.StatusInternalServerError || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %q, want a 500 problem document", rec.Code, rec.Header().Get("Content-Type"))
	}
	var sawPanic, sawRequest bool
	for _, l := range logs.lines(t) {
		switch l["msg"] {
		case "panic":
			sawPanic = l["panic"] == "index out of range" && l["stack"] != ""
		case "request":
			sawRequest = l["status"] == float64(500) && l["level"] == "ERROR"
		}
	}
	if !sawPanic || !sawRequest {
		t.Errorf("want a panic line with its stack and an ERROR request line with status 500:\n%s", logs.String())
	}

	abort := accessLog(log, noTrace, noIP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler to propagate", v)
		}
	}()
	abort.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/abort", nil))
	t.Error("ErrAbortHandler was swallowed")
}
