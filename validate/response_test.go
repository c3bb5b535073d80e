package validate_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lambdasec/lambdasec/validate"
)

func TestWriteError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantDetail string
	}{
		{"nil", nil, 500, ""},
		{"unknown", errors.New("db: connection refused to 10.0.0.1"), 500, ""},
		{"invalid type", fmt.Errorf("%w: x", validate.ErrInvalidType), 500, ""},
		{"bare malformed", validate.ErrMalformed, 400, "request is malformed"},
		{"wrapped malformed", fmt.Errorf("load: %w", validate.ErrMalformed), 400, "request is malformed"},
		{"bare invalid", validate.ErrInvalid, 422, "request failed validation"},
		// One field breaking two rules is one field, not two.
		{"one field, two rules", &validate.FieldErrors{Errors: []validate.FieldError{
			{Field: "password", Rule: "min", Message: "too short"},
			{Field: "password", Rule: "password", Message: "too common"},
		}}, 422, "1 field failed validation"},
		{"two fields", &validate.FieldErrors{Errors: []validate.FieldError{
			{Field: "password", Rule: "min", Message: "too short"},
			{Field: "email", Rule: "email", Message: "not an email"},
		}}, 422, "2 fields failed validation"},
		{"too large", validate.ErrBodyTooLarge, 413, "request body is too large"},
		{"max bytes error", &http.MaxBytesError{Limit: 10}, 413, "request body is larger than 10 bytes"},
		{"media type", validate.ErrUnsupportedMediaType, 415, "Content-Type must be application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { validate.WriteError(w, r, tc.err) })
			rec, p := serve(t, h, httptest.NewRequest("GET", "/", nil))
			if rec.Code != tc.wantStatus || p.Detail != tc.wantDetail {
				t.Fatalf("got %d %q, want %d %q", rec.Code, p.Detail, tc.wantStatus, tc.wantDetail)
			}
			if got := validate.StatusCode(tc.err); got != tc.wantStatus {
				t.Errorf("StatusCode: got %d", got)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Error("problem is cacheable")
			}
		})
	}
}

// WriteError keeps headers the caller set and accepts a nil request.
func TestWriteErrorNilRequest(t *testing.T) {
	rec := httptest.NewRecorder()
	rec.Header().Set("X-Request-Id", "abc")
	validate.WriteError(rec, nil, validate.ErrUnsupportedMediaType)
	if rec.Code != 415 || rec.Header().Get("X-Request-Id") != "abc" {
		t.Fatalf("got %d %v", rec.Code, rec.Header())
	}
}

func TestErrorHandler(t *testing.T) {
	var got error
	v := mustNew(t, validate.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	}})
	h := validate.JSON(v, func(http.ResponseWriter, *http.Request, struct{ A int }) {})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, jsonRequest("POST", `{"A":"x"}`))
	var fe *validate.FieldErrors
	if rec.Code != http.StatusTeapot || !errors.As(got, &fe) || fe.Errors[0].Field != "A" {
		t.Fatalf("got %d %v", rec.Code, got)
	}
	if want := "validate: malformed request: A must be an integer"; got.Error() != want {
		t.Errorf("Error(): got %q, want %q", got.Error(), want)
	}
}
