package validate_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/validate"
)

// benchRequest returns a request whose body can be rewound per iteration.
func benchRequest(body string) (*http.Request, func()) {
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("Content-Type", "application/json")
	rd := bytes.NewReader([]byte(body))
	return r, func() {
		rd.Reset([]byte(body))
		r.Body = io.NopCloser(rd)
		r.ContentLength = int64(len(body))
	}
}

func BenchmarkDecodeJSONLogin(b *testing.B) {
	v := mustNew(b, validate.Config{MaxBodyBytes: 4 << 10})
	const body = `{"email":"ada@example.com","password":"correct horse battery","remember":true}`
	r, reset := benchRequest(body)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		reset()
		var in Login
		if err := v.DecodeJSON(r, &in); err != nil {
			b.Fatal(err)
		}
	}
}

// The cost of a rejected login: 422 with two field errors.
func BenchmarkDecodeJSONLoginInvalid(b *testing.B) {
	v := mustNew(b, validate.Config{MaxBodyBytes: 4 << 10})
	const body = `{"email":"ada@example","password":"short"}`
	r, reset := benchRequest(body)
	b.ReportAllocs()
	for b.Loop() {
		reset()
		var in Login
		if err := v.DecodeJSON(r, &in); err == nil {
			b.Fatal("accepted")
		}
	}
}

// wideType builds a struct of 50 fields of mixed types and rules, and a
// valid body for it.
func wideType() (reflect.Type, string) {
	var fields []reflect.StructField
	var body []string
	for i := range 50 {
		name := fmt.Sprintf("f%02d", i)
		f := reflect.StructField{Name: strings.ToUpper(name)}
		var tag, val string
		switch i % 5 {
		case 0:
			f.Type, tag, val = reflect.TypeFor[string](), "required,email,max=254", fmt.Sprintf(`"user%d@example.com"`, i)
		case 1:
			f.Type, tag, val = reflect.TypeFor[string](), "required,max=64", fmt.Sprintf(`"value number %d"`, i)
		case 2:
			f.Type, tag, val = reflect.TypeFor[int](), "gte=0,lte=1000000", fmt.Sprint(i*1000)
		case 3:
			f.Type, tag, val = reflect.TypeFor[*bool](), "required", "false"
		default:
			f.Type, tag, val = reflect.TypeFor[float64](), "gte=0", fmt.Sprintf("%d.5", i)
		}
		f.Tag = reflect.StructTag(fmt.Sprintf(`json:%q validate:%q`, name, tag))
		fields = append(fields, f)
		body = append(body, fmt.Sprintf("%q:%s", name, val))
	}
	return reflect.StructOf(fields), "{" + strings.Join(body, ",") + "}"
}

func BenchmarkDecodeJSON50Fields(b *testing.B) {
	v := mustNew(b, validate.Config{})
	t, body := wideType()
	r, reset := benchRequest(body)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		reset()
		if err := v.DecodeJSON(r, reflect.New(t).Interface()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeQuery(b *testing.B) {
	v := mustNew(b, validate.Config{})
	r := httptest.NewRequest(http.MethodGet, "/?from=2026-01-01&to=2026-02-01&limit=10&active=true&tag=a&tag=b", nil)
	r.SetPathValue("id", "42")
	b.ReportAllocs()
	for b.Loop() {
		var s search
		if err := v.DecodeQuery(r, &s); err != nil {
			b.Fatal(err)
		}
	}
}
