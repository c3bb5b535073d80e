package problem_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/problem"
)

func TestExtensions(t *testing.T) {
	rec := httptest.NewRecorder()
	problem.Write(rec, problem.Problem{Status: 409, Detail: "closed", Extensions: map[string]any{
		"period": "2026-11",
		"status": 200,          // may not rewrite the status
		"type":   "https://x/", // nor the type
		"n":      3,
	}})
	want := `{"type":"about:blank","title":"Conflict","status":409,"detail":"closed","n":3,"period":"2026-11"}` + "\n"
	if got := rec.Body.String(); got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	if rec.Code != 409 {
		t.Fatalf("status %d", rec.Code)
	}
}

func TestExtensionThatDoesNotMarshal(t *testing.T) {
	rec := httptest.NewRecorder()
	problem.Write(rec, problem.Problem{Status: 400, Extensions: map[string]any{"f": func() {}}})
	want := `{"type":"about:blank","title":"Bad Request","status":400}` + "\n"
	if got := rec.Body.String(); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestWrapMux(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "item ", r.PathValue("id"))
	})
	mux.HandleFunc("GET /dir/", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /own404", func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r) // the application's own answer is left alone
	})
	h := problem.WrapMux(mux)
	for _, tc := range []struct {
		name, method, path string
		status             int
		ctype, allow       string
	}{
		{"matched", "GET", "/items/7", 200, "text/plain; charset=utf-8", ""},
		{"no route", "GET", "/nope", 404, problem.ContentType, ""},
		{"wrong method", "DELETE", "/items/7", 405, problem.ContentType, "GET, HEAD"},
		{"redirect kept", "GET", "/dir", 307, "text/html; charset=utf-8", ""},
		{"handler's own 404", "GET", "/own404", 404, "text/plain; charset=utf-8", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Header().Get("Content-Type"); got != tc.ctype {
				t.Errorf("content type %q, want %q", got, tc.ctype)
			}
			if got := rec.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			if tc.ctype == problem.ContentType {
				var p problem.Problem
				if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != tc.status {
					t.Errorf("body %q is not the problem (%v)", rec.Body, err)
				}
			}
		})
	}
}

func TestRecover(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /boom", func(w http.ResponseWriter, r *http.Request) {
		panic("kaput")
	})
	mux.HandleFunc("GET /late", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		panic(errors.New("after the answer started"))
	})
	h := problem.Recover(logger)(mux)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/boom?token=abc", strings.NewReader(`{"password":"hunter2hunter2"}`)))
	if rec.Code != 500 || rec.Header().Get("Content-Type") != problem.ContentType {
		t.Fatalf("got %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	out := logs.String()
	for _, want := range []string{`"panic":"kaput"`, `"route":"POST /boom"`, `"stack":`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s: %s", want, out)
		}
	}
	// Neither the body nor the query reaches the log.
	for _, leak := range []string{"hunter2", "token=abc"} {
		if strings.Contains(out, leak) {
			t.Errorf("log holds %q: %s", leak, out)
		}
	}

	logs.Reset()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/late", nil))
	if rec.Code != http.StatusAccepted || rec.Header().Get("Content-Type") == problem.ContentType {
		t.Fatalf("a started answer was overwritten: %d", rec.Code)
	}
	if !strings.Contains(logs.String(), `"answer_started":true`) {
		t.Errorf("log: %s", logs.String())
	}
}

// net/http uses ErrAbortHandler to end a response quietly; Recover must
// not swallow it.
func TestRecoverRepanicsAbort(t *testing.T) {
	h := problem.Recover(slog.New(slog.DiscardHandler))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Fatalf("recovered %v, want ErrAbortHandler", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func ExampleWrapMux() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/items", func(w http.ResponseWriter, r *http.Request) {})
	h := problem.WrapMux(mux)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/items", nil))
	fmt.Println(rec.Code, rec.Header().Get("Allow"))
	fmt.Print(rec.Body.String())
	// Output:
	// 405 GET, HEAD
	// {"type":"about:blank","title":"Method Not Allowed","status":405}
}

func ExampleNotFound() {
	mux := http.NewServeMux()
	mux.HandleFunc("/", problem.NotFound) // catch-all route

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/missing", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output: 404 application/problem+json
}

func ExampleMethodNotAllowed() {
	rec := httptest.NewRecorder()
	problem.MethodNotAllowed("GET", "POST").ServeHTTP(rec, httptest.NewRequest("PUT", "/", nil))
	fmt.Println(rec.Code, rec.Header().Get("Allow"))
	// Output: 405 GET, POST
}

func ExampleRecover() {
	h := problem.Recover(slog.New(slog.DiscardHandler))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("bug")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code)
	fmt.Print(rec.Body.String())
	// Output:
	// 500
	// {"type":"about:blank","title":"Internal Server Error","status":500}
}

func ExampleProblem_extensions() {
	rec := httptest.NewRecorder()
	problem.Write(rec, problem.Problem{
		Status:     http.StatusConflict,
		Detail:     "the period is closed",
		Extensions: map[string]any{"period": "2026-11"},
	})
	fmt.Print(rec.Body.String())
	// Output: {"type":"about:blank","title":"Conflict","status":409,"detail":"the period is closed","period":"2026-11"}
}

func ExampleError() {
	rec := httptest.NewRecorder()
	problem.Error(rec, http.StatusServiceUnavailable)
	fmt.Print(rec.Body.String())
	// Output: {"type":"about:blank","title":"Service Unavailable","status":503}
}

func ExampleNew() {
	p := problem.New(http.StatusBadRequest, "the body is not JSON")
	fmt.Println(p.Status, p.Detail)
	// Output: 400 the body is not JSON
}
