package validate

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/secevent"

	"github.com/lambdasec/lambdasec/internal/eventtest"
)

type signup struct {
	Email string `json:"email" validate:"required,email"`
	Age   int    `json:"age" validate:"gte=18"`
}

type listing struct {
	Page int `query:"page" validate:"gte=1"`
}

// Each refused request reports one input_validation_fail event with the
// reason and the offending field names, never a submitted value.
func TestValidationEvents(t *testing.T) {
	events := &eventtest.Recorder{}
	v, err := New(Config{Events: events, MaxBodyBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	const secretish = "hunter2-Sup3rS3cret"
	mux := http.NewServeMux()
	mux.Handle("POST /signup", JSON(v, func(w http.ResponseWriter, r *http.Request, s signup) {}))
	mux.Handle("GET /items", Query(v, func(w http.ResponseWriter, r *http.Request, l listing) {}))
	for _, tc := range []struct {
		name, method, target, ctype, body string
		reason, fields                    string
	}{
		{"ok", "POST", "/signup", "application/json", `{"email":"a@example.com","age":30}`, "", ""},
		{"media type", "POST", "/signup", "text/plain", `{}`, "media_type", ""},
		{"too large", "POST", "/signup", "application/json", `{"email":"` + strings.Repeat("a", 80) + `"}`, "too_large", ""},
		{"syntax", "POST", "/signup", "application/json", `{"email":`, "malformed", ""},
		{"unknown field", "POST", "/signup", "application/json", `{"nickname":"` + secretish + `"}`, "malformed", "nickname:unknown"},
		{"rules", "POST", "/signup", "application/json", `{"email":"` + secretish + `","age":3}`, "invalid", "email:email,age:gte"},
		{"query", "GET", "/items?page=0", "", "", "invalid", "page:gte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events.Take()
			r := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			r.RemoteAddr = "192.0.2.33:999"
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			mux.ServeHTTP(httptest.NewRecorder(), r)
			evs := events.Take()
			if tc.reason == "" {
				if len(evs) != 0 {
					t.Fatalf("got %v, want none", evs)
				}
				return
			}
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1: %v", len(evs), evs)
			}
			e := evs[0]
			got := fmt.Sprintf("%+v", e)
			if e.Name != secevent.InputValidationFail || e.Reason != tc.reason || e.ClientIP != "192.0.2.33" || e.Route == "" {
				t.Errorf("got %s, want reason %s from 192.0.2.33 with a route", got, tc.reason)
			}
			if tc.fields != "" && !strings.Contains(got, "fields="+tc.fields) {
				t.Errorf("got %s, want fields %s", got, tc.fields)
			}
			if strings.Contains(got, secretish) {
				t.Errorf("the event holds a submitted value: %s", got)
			}
		})
	}
}
