package validate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/lambdasec/lambdasec/validate"
)

// FuzzDecodeJSON checks that any body gives nil or a documented error,
// that nothing encoding/json rejects is accepted, and that an accepted
// body decodes exactly as encoding/json decodes it.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		validOrder, with(`"email":"x"`), with(`"EMAIL":"x"`), with(`"em\u0061il":"x"`),
		with(`"extra":{"a":[1,2,{"b":null}],"c":"\ud83d\ude00"}`), with(`"attrs":{"a":"b","a":"c"}`),
		with(`"when":"2026-01-02T03:04:05Z"`), with(`"small":-129`), with(`"ratio":1e39`),
		`{"items":[{"qty":"3"}]}`, `{}`, `null`, ``, `[]`, `{"a":"\ud800"}`, "{\"a\":\"\xff\"}",
		`{"email":"a@b.co",}`, validOrder + `{}`, `{"NoTag":"\u0000"}`, `{"count":1.0}`, `{"count":-0}`,
		`{"tags":["ab","cd"],"ship":{"city":"x","zip":"12345"}}`, `{"extra":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	} {
		f.Add([]byte(seed))
	}
	v := mustNew(f, validate.Config{MaxBodyBytes: 8 << 10, Rules: map[string]func(string) error{"digits": digitRule}})
	if err := v.Register(order{}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var got order
		err := v.DecodeJSON(r, &got)
		switch {
		case err == nil, errors.Is(err, validate.ErrInvalid):
			if !json.Valid(body) {
				t.Fatalf("accepted invalid JSON %q", body)
			}
			var want order
			if uerr := json.Unmarshal(body, &want); uerr != nil {
				t.Fatalf("accepted %q, which encoding/json rejects: %v", body, uerr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q decoded to %+v, encoding/json to %+v", body, got, want)
			}
		case errors.Is(err, validate.ErrMalformed), errors.Is(err, validate.ErrBodyTooLarge):
		default:
			t.Fatalf("undocumented error %v for %q", err, body)
		}
		if err == nil {
			return
		}
		var fe *validate.FieldErrors
		if errors.As(err, &fe) && (len(fe.Errors) == 0 || len(fe.Errors) > 100) {
			t.Fatalf("%d field errors", len(fe.Errors))
		}
		if c := validate.StatusCode(err); c != 400 && c != 413 && c != 422 {
			t.Fatalf("status %d for %v", c, err)
		}
	})
}

// FuzzDecodeQuery checks that any query string and path value give nil or
// a documented error.
func FuzzDecodeQuery(f *testing.F) {
	for _, seed := range [][2]string{
		{"from=2026-01-01&active=false", "7"},
		{"from=2026-01-01&to=2026-02-01&q=caf%C3%A9&limit=10&ratio=0.5&small=255&active=1&tag=a&tag=b&ids=1&ids=2&addr=10.0.0.1", "1"},
		{"from=2026-01-01&from=2026-01-02", "x"}, {"q=%FF", "0"}, {"from=%zz", ""}, {"a;b", "-1"}, {"ratio=NaN&small=-1", "99999999999999999999"},
		{"since=2026-01-01T10:00:00%2B02:00&addr=::1", "1"},
	} {
		f.Add(seed[0], seed[1])
	}
	v := mustNew(f, validate.Config{})
	f.Fuzz(func(t *testing.T, rawQuery, id string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.RawQuery = rawQuery
		r.SetPathValue("id", id)
		var s search
		err := v.DecodeQuery(r, &s)
		switch {
		case err == nil, errors.Is(err, validate.ErrInvalid), errors.Is(err, validate.ErrMalformed):
		default:
			t.Fatalf("undocumented error %v for %q", err, rawQuery)
		}
		if err != nil {
			if c := validate.StatusCode(err); c != 400 && c != 422 {
				t.Fatalf("status %d for %v", c, err)
			}
		}
	})
}
