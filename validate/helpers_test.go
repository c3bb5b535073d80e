package validate_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/validate"
)

// problemDoc is the RFC 9457 document as a client reads it.
type problemDoc struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Rule    string `json:"rule"`
		Param   string `json:"param"`
		Message string `json:"message"`
	} `json:"errors"`
}

// fields lists "field:rule" for each problem entry.
func (p problemDoc) fields() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field+":"+e.Rule)
	}
	return out
}

// serve sends req to h and parses the answer; ok reports a 2xx.
func serve(t *testing.T, h http.Handler, req *http.Request) (*httptest.ResponseRecorder, problemDoc) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var p problemDoc
	if rec.Code >= 400 {
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("error content type: got %q, want application/problem+json", ct)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("problem body %q: %v", rec.Body, err)
		}
		if p.Status != rec.Code || p.Type != "about:blank" || p.Title == "" {
			t.Fatalf("problem document %+v does not match status %d", p, rec.Code)
		}
	}
	return rec, p
}

func jsonRequest(method, body string) *http.Request {
	r := httptest.NewRequest(method, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func mustNew(t testing.TB, cfg validate.Config) *validate.Validator {
	t.Helper()
	v, err := validate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// digitRule stands in for a password policy: it reports every unmet
// condition at once.
func digitRule(s string) error {
	var m validate.Messages
	if !strings.ContainsAny(s, "0123456789") {
		m = append(m, "must contain a digit")
	}
	if !strings.ContainsAny(s, "!?#-_") {
		m = append(m, "must contain one of !?#-_")
	}
	if m != nil {
		return m
	}
	return nil
}

func slogDebug(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
