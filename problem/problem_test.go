package problem_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lambdasec/lambdasec/problem"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name       string
		in         problem.Problem
		wantStatus int
		wantTitle  string
	}{
		{"defaults", problem.New(http.StatusBadRequest, "bad"), 400, "Bad Request"},
		{"custom title", problem.Problem{Status: 422, Title: "Invalid", Errors: []problem.FieldError{{Field: "email", Rule: "email", Message: "must be an email address"}}}, 422, "Invalid"},
		// A success status is never sent as a problem.
		{"non-error status", problem.Problem{Status: 200}, 500, "Internal Server Error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			rec.Header().Set("WWW-Authenticate", "Bearer")
			problem.Write(rec, tc.in)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status: got %d, want %d", rec.Code, tc.wantStatus)
			}
			if got := rec.Header().Get("Content-Type"); got != problem.ContentType {
				t.Errorf("content type: got %q", got)
			}
			if rec.Header().Get("WWW-Authenticate") != "Bearer" {
				t.Error("caller's header was dropped")
			}
			// An error answer must not be cached by a CDN or browser and
			// must not be sniffed into HTML.
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
			if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options: got %q, want nosniff", got)
			}
			if got, want := rec.Header().Get("Content-Length"), fmt.Sprint(rec.Body.Len()); got != want {
				t.Errorf("Content-Length: got %s, want %s", got, want)
			}
			var got problem.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Type != "about:blank" || got.Title != tc.wantTitle || got.Status != tc.wantStatus {
				t.Errorf("got %+v", got)
			}
			if len(got.Errors) != len(tc.in.Errors) {
				t.Errorf("errors: got %d, want %d", len(got.Errors), len(tc.in.Errors))
			}
		})
	}
}

func ExampleWrite() {
	rec := httptest.NewRecorder()
	problem.Write(rec, problem.New(http.StatusTooManyRequests, "slow down"))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body.String())
	// Output:
	// 429 application/problem+json
	// {"type":"about:blank","title":"Too Many Requests","status":429,"detail":"slow down"}
}

// Param is sent only when set, so existing answers do not change shape.
func TestFieldErrorParam(t *testing.T) {
	rec := httptest.NewRecorder()
	problem.Write(rec, problem.Problem{Status: 422, Errors: []problem.FieldError{
		{Field: "password", Rule: "min", Param: "15", Message: "must have at least 15 characters"},
		{Field: "email", Rule: "required", Message: "is required"},
	}})
	want := `{"type":"about:blank","title":"Unprocessable Entity","status":422,"errors":[` +
		`{"field":"password","rule":"min","param":"15","message":"must have at least 15 characters"},` +
		`{"field":"email","rule":"required","message":"is required"}]}` + "\n"
	if got := rec.Body.String(); got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}
