package validate_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/validate"
)

type search struct {
	ID     int64       `path:"id" validate:"gte=1"`
	From   time.Time   `query:"from" layout:"2006-01-02" validate:"required"`
	To     *time.Time  `query:"to" layout:"2006-01-02" validate:"omitempty,gtfield=From"`
	Q      string      `query:"q" validate:"omitempty,max=20"`
	Limit  *int        `query:"limit" validate:"omitempty,gte=1,lte=100"`
	Ratio  float64     `query:"ratio"`
	Small  uint8       `query:"small"`
	Active *bool       `query:"active" validate:"required"` // false must pass
	Tags   []string    `query:"tag" validate:"max=3,dive,alphanum"`
	IDs    []int       `query:"ids"`
	Since  time.Time   `query:"since"` // RFC 3339 by default
	Addr   *netip.Addr `query:"addr"`
	Other  string      // not a parameter
}

func TestDecodeQuery(t *testing.T) {
	v := mustNew(t, validate.Config{})
	if err := v.Register(search{}); err != nil {
		t.Fatal(err)
	}
	var got search
	mux := http.NewServeMux()
	mux.Handle("GET /accounts/{id}/entries", validate.Query(v, func(w http.ResponseWriter, r *http.Request, s search) {
		got = s
		w.WriteHeader(http.StatusNoContent)
	}))
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	tests := []struct {
		name       string
		target     string
		wantStatus int
		wantFields []string
		check      func(t *testing.T, s search)
	}{
		{name: "minimal", target: "/accounts/7/entries?from=2026-01-01&active=false", wantStatus: 204, check: func(t *testing.T, s search) {
			if s.ID != 7 || !s.From.Equal(day("2026-01-01")) || s.Active == nil || *s.Active || s.To != nil || s.Limit != nil {
				t.Errorf("got %+v", s)
			}
		}},
		{name: "everything", target: "/accounts/7/entries?from=2026-01-01&to=2026-02-01&q=caf%C3%A9&limit=10&ratio=0.5&small=255&active=1&tag=a&tag=b&ids=1&ids=2&since=2026-01-01T10:00:00%2B02:00&addr=10.0.0.1", wantStatus: 204,
			check: func(t *testing.T, s search) {
				if !s.To.Equal(day("2026-02-01")) || s.Q != "café" || *s.Limit != 10 || s.Ratio != 0.5 || s.Small != 255 || !*s.Active ||
					!slices.Equal(s.Tags, []string{"a", "b"}) || !slices.Equal(s.IDs, []int{1, 2}) || s.Since.Hour() != 10 || s.Addr.String() != "10.0.0.1" {
					t.Errorf("got %+v", s)
				}
			}},
		{name: "missing required", target: "/accounts/7/entries", wantStatus: 422, wantFields: []string{"from:required", "active:required"}},
		{name: "path value rule", target: "/accounts/0/entries?from=2026-01-01&active=true", wantStatus: 422, wantFields: []string{"id:gte"}},
		{name: "cross-field rule names parameters", target: "/accounts/7/entries?from=2026-02-01&to=2026-01-01&active=true", wantStatus: 422, wantFields: []string{"to:gtfield"}},
		{name: "dive on repeated", target: "/accounts/7/entries?from=2026-01-01&active=true&tag=a&tag=b-c", wantStatus: 422, wantFields: []string{"tag[1]:alphanum"}},
		{name: "too many repeats", target: "/accounts/7/entries?from=2026-01-01&active=true&tag=a&tag=b&tag=c&tag=d", wantStatus: 422, wantFields: []string{"tag:max"}},
		{name: "bad date", target: "/accounts/7/entries?from=01/02/2026&active=true", wantStatus: 400, wantFields: []string{"from:type"}},
		{name: "bad path int", target: "/accounts/x/entries?from=2026-01-01&active=true", wantStatus: 400, wantFields: []string{"id:type"}},
		{name: "bad bool", target: "/accounts/7/entries?from=2026-01-01&active=yes", wantStatus: 400, wantFields: []string{"active:type"}},
		{name: "uint overflow", target: "/accounts/7/entries?from=2026-01-01&active=true&small=256", wantStatus: 400, wantFields: []string{"small:type"}},
		{name: "negative uint", target: "/accounts/7/entries?from=2026-01-01&active=true&small=-1", wantStatus: 400, wantFields: []string{"small:type"}},
		{name: "NaN", target: "/accounts/7/entries?from=2026-01-01&active=true&ratio=NaN", wantStatus: 400, wantFields: []string{"ratio:type"}},
		{name: "bad slice element", target: "/accounts/7/entries?from=2026-01-01&active=true&ids=1&ids=x", wantStatus: 400, wantFields: []string{"ids:type"}},
		{name: "bad text value", target: "/accounts/7/entries?from=2026-01-01&active=true&addr=999.1.1.1", wantStatus: 400, wantFields: []string{"addr:type"}},
		{name: "invalid UTF-8", target: "/accounts/7/entries?from=2026-01-01&active=true&q=%FF", wantStatus: 400, wantFields: []string{"q:type"}},
		// HTTP parameter pollution: two values where the code reads one.
		{name: "repeated single parameter", target: "/accounts/7/entries?from=2026-01-01&from=2027-01-01&active=true", wantStatus: 400, wantFields: []string{"from:repeated"}},
		{name: "unknown parameters", target: "/accounts/7/entries?from=2026-01-01&active=true&zeta=1&admin=1", wantStatus: 400, wantFields: []string{"admin:unknown", "zeta:unknown"}},
		{name: "field without tag is not a parameter", target: "/accounts/7/entries?from=2026-01-01&active=true&Other=x", wantStatus: 400, wantFields: []string{"Other:unknown"}},
		{name: "malformed query", target: "/accounts/7/entries?from=%zz", wantStatus: 400},
		{name: "semicolon", target: "/accounts/7/entries?from=2026-01-01;active=true", wantStatus: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got = search{}
			rec, p := serve(t, mux, httptest.NewRequest(http.MethodGet, tc.target, nil))
			if rec.Code != tc.wantStatus {
				t.Fatalf("status: got %d, want %d (%s)", rec.Code, tc.wantStatus, rec.Body)
			}
			if f := p.fields(); !slices.Equal(f, tc.wantFields) {
				t.Errorf("fields: got %q, want %q", f, tc.wantFields)
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

func TestDecodeQueryAllowUnknown(t *testing.T) {
	v := mustNew(t, validate.Config{AllowUnknownQuery: true})
	var p struct {
		N int `query:"n"`
	}
	r := httptest.NewRequest("GET", "/?n=3&utm_source=x", nil)
	if err := v.DecodeQuery(r, &p); err != nil || p.N != 3 {
		t.Fatalf("got %v, %+v", err, p)
	}
	r = httptest.NewRequest("GET", "/?n=3&n=4", nil)
	if err := v.DecodeQuery(r, &p); !errors.Is(err, validate.ErrMalformed) {
		t.Fatalf("repeated: got %v", err)
	}
}

// Query values, like body values, never reach the answer or the error:
// strconv, time and TextUnmarshaler errors all quote their input.
func TestDecodeQueryNeverEchoesValues(t *testing.T) {
	const secret = "HunterSecretValue"
	v := mustNew(t, validate.Config{})
	mux := http.NewServeMux()
	mux.Handle("GET /accounts/{id}/entries", validate.Query(v, func(http.ResponseWriter, *http.Request, search) {}))
	for _, q := range []string{
		"from=" + secret + "&active=true",                           // time layout
		"from=2026-01-01&active=" + secret,                          // bool
		"from=2026-01-01&active=true&limit=" + secret,               // int
		"from=2026-01-01&active=true&ratio=" + secret,               // float
		"from=2026-01-01&active=true&addr=" + secret,                // TextUnmarshaler
		"from=2026-01-01&active=true&tag=" + secret + "-x",          // dive rule
		"from=2026-01-01&active=true&q=" + secret + secret,          // max
		"from=2026-01-01&active=true&" + secret + "=1&zz=" + secret, // unknown parameter: its name is echoed, not its value
	} {
		req := httptest.NewRequest(http.MethodGet, "/accounts/7/entries?"+q, nil)
		rec, _ := serve(t, mux, req)
		if rec.Code < 400 {
			t.Fatalf("%s: accepted", q)
		}
		body := strings.ReplaceAll(rec.Body.String(), `"field":"`+secret+`"`, "")
		if strings.Contains(body, secret) {
			t.Errorf("%s: answer echoes the value: %s", q, rec.Body)
		}
		var s search
		req.SetPathValue("id", "7")
		if err := v.DecodeQuery(req, &s); err == nil || strings.Contains(strings.ReplaceAll(err.Error(), secret+" is not", ""), secret) {
			t.Errorf("%s: error %v", q, err)
		}
	}
}

// Past the cap on listed problems, the answer is still the same each time.
func TestDecodeQueryManyUnknownIsStable(t *testing.T) {
	v := mustNew(t, validate.Config{})
	var q strings.Builder
	for i := range 300 {
		fmt.Fprintf(&q, "p%03d=1&", i)
	}
	target := "/?" + q.String() + "n=1"
	var first []validate.FieldError
	for i := range 20 {
		var p struct {
			N int `query:"n"`
		}
		err := v.DecodeQuery(httptest.NewRequest(http.MethodGet, target, nil), &p)
		var fe *validate.FieldErrors
		if !errors.As(err, &fe) || len(fe.Errors) != 100 {
			t.Fatalf("got %v, want 100 field errors", err)
		}
		if i == 0 {
			first = fe.Errors
			if first[0].Field != "p000" || first[99].Field != "p099" {
				t.Fatalf("listed %s..%s, want p000..p099", first[0].Field, first[99].Field)
			}
		} else if !reflect.DeepEqual(fe.Errors, first) {
			t.Fatalf("run %d listed different parameters", i)
		}
	}
}
