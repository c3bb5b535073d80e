package validate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/validate"
)

type address struct {
	City string `json:"city" validate:"required,max=50"`
	Zip  string `json:"zip" validate:"omitempty,len=5,number"`
}

type line struct {
	SKU string `json:"sku" validate:"required,alphanum"`
	Qty int    `json:"qty" validate:"gte=1,lte=100"`
}

type Meta struct {
	Source string `json:"source" validate:"omitempty,oneof=web app"`
}

type order struct {
	Meta                       // flattened, as in encoding/json
	Email    string            `json:"email" validate:"required,email,max=254"`
	Password string            `json:"password" validate:"required,min=8,max=100,digits"`
	Confirm  string            `json:"confirm" validate:"omitempty,eqfield=Password"`
	Remember *bool             `json:"remember" validate:"required"` // false must pass
	Count    *int              `json:"count" validate:"omitempty,gte=0"`
	Ship     *address          `json:"ship" validate:"omitempty"`
	Bill     address           `json:"bill"`
	Items    []line            `json:"items" validate:"required,min=1,max=3,dive"`
	Tags     []string          `json:"tags" validate:"omitempty,max=2,dive,min=2,max=10"`
	Attrs    map[string]string `json:"attrs" validate:"omitempty,dive,max=5"`
	When     time.Time         `json:"when"`
	Ratio    float32           `json:"ratio"`
	Small    int8              `json:"small"`
	Extra    any               `json:"extra"`
	Secret   string            `json:"-"`
	NoTag    string
}

const validOrder = `{"email":"a@example.com","password":"long-enough1","remember":false,
	"bill":{"city":"Oslo"},"items":[{"sku":"A1","qty":1}]}`

// with replaces or adds members of validOrder.
func with(extra string) string {
	return strings.TrimSuffix(validOrder, "}") + "," + extra + "}"
}

func TestDecodeJSON(t *testing.T) {
	v := mustNew(t, validate.Config{Rules: map[string]func(string) error{"digits": digitRule}})
	if err := v.Register(order{}); err != nil {
		t.Fatal(err)
	}
	var got order
	h := validate.JSON(v, func(w http.ResponseWriter, r *http.Request, in order) {
		got = in
		w.WriteHeader(http.StatusNoContent)
	})
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantFields  []string // "field:rule", in order
		wantDetail  string   // substring of detail
	}{
		{name: "valid", body: validOrder, wantStatus: 204},
		{name: "valid with all fields", wantStatus: 204, body: with(`"confirm":"long-enough1","count":0,"ship":{"city":"Bergen","zip":"12345"},
			"tags":["ab"],"attrs":{"k":"v"},"when":"2026-01-02T03:04:05Z","ratio":1.5e3,"small":-128,"extra":{"x":[1,null]},"source":"web","NoTag":"x"`)},
		{name: "application/*+json", contentType: "application/merge-patch+json", body: validOrder, wantStatus: 204},
		{name: "charset utf-8", contentType: "application/json; charset=UTF-8", body: validOrder, wantStatus: 204},
		{name: "other parameter", contentType: `Application/JSON; profile="https://example.com/p"`, body: validOrder, wantStatus: 204},
		{name: "null members leave fields alone", body: with(`"ship":null,"count":null,"tags":null`), wantStatus: 204},

		// 415
		{name: "no content type", contentType: "-", body: validOrder, wantStatus: 415},
		{name: "text/plain", contentType: "text/plain", body: validOrder, wantStatus: 415},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: validOrder, wantStatus: 415},
		// A non-UTF-8 charset would make the bytes mean something else.
		{name: "latin1 charset", contentType: "application/json; charset=iso-8859-1", body: validOrder, wantStatus: 415},
		{name: "bare +json", contentType: "application/+json", body: validOrder, wantStatus: 415},
		{name: "json text type", contentType: "text/json", body: validOrder, wantStatus: 415},
		{name: "broken media type", contentType: "application/json; charset", body: validOrder, wantStatus: 415},

		// 400, whole body
		{name: "empty body", body: "", wantStatus: 400, wantDetail: "empty"},
		{name: "whitespace body", body: " \n", wantStatus: 400, wantDetail: "empty"},
		{name: "null body", body: "null", wantStatus: 400, wantDetail: "null"},
		{name: "array body", body: "[]", wantStatus: 400, wantDetail: "object"},
		{name: "syntax error offset", body: `{"email":"a@b.co",}`, wantStatus: 400, wantDetail: "at byte 18"},
		{name: "truncated", body: `{"email":"a@`, wantStatus: 400, wantDetail: "end of input at byte 12"},
		// encoding/json's Decode stops after the first value; the rest
		// would go unnoticed (golang/go#36225).
		{name: "trailing object", body: validOrder + `{"x":1}`, wantStatus: 400, wantDetail: "after the JSON value"},
		{name: "trailing garbage", body: validOrder + ` x`, wantStatus: 400, wantDetail: "after the JSON value"},
		// encoding/json replaces these with U+FFFD, so distinct inputs
		// would compare equal after decoding.
		{name: "invalid UTF-8", body: with("\"NoTag\":\"\xff\""), wantStatus: 400, wantDetail: "invalid UTF-8"},
		{name: "lone surrogate", body: with(`"NoTag":"\udc00"`), wantStatus: 400, wantDetail: "surrogate"},
		{name: "unpaired high surrogate", body: with(`"NoTag":"\ud800x"`), wantStatus: 400, wantDetail: "surrogate"},
		{name: "control character", body: with("\"NoTag\":\"a\x01\""), wantStatus: 400, wantDetail: "control character"},
		{name: "bad escape", body: with(`"NoTag":"\x"`), wantStatus: 400, wantDetail: "escape"},
		{name: "too deep", body: with(`"extra":` + strings.Repeat("[", 40) + strings.Repeat("]", 40)), wantStatus: 400, wantDetail: "32 levels"},
		{name: "leading zero", body: with(`"small":01`), wantStatus: 400, wantDetail: "at byte"},

		// 400, per field
		{name: "wrong type", body: with(`"NoTag":1`), wantStatus: 400, wantFields: []string{"NoTag:type"}},
		{name: "wrong type in slice", body: `{"items":[{"qty":1},{"qty":2},{"qty":"3"}]}`, wantStatus: 400, wantFields: []string{"items[2].qty:type"}},
		{name: "fraction into int", body: strings.Replace(validOrder, `"qty":1}`, `"qty":1.5}`, 1), wantStatus: 400, wantFields: []string{"items[0].qty:type"}},
		{name: "int8 overflow", body: with(`"small":128`), wantStatus: 400, wantFields: []string{"small:type"}},
		{name: "float32 overflow", body: with(`"ratio":1e39`), wantStatus: 400, wantFields: []string{"ratio:type"}},
		{name: "number too big for any", body: with(`"extra":[1e400]`), wantStatus: 400, wantFields: []string{"extra[0]:type"}},
		{name: "bad time", body: with(`"when":"yesterday"`), wantStatus: 400, wantFields: []string{"when:type"}},
		{name: "object for string", body: with(`"NoTag":{"a":1}`), wantStatus: 400, wantFields: []string{"NoTag:type"}},
		{name: "unknown field", body: with(`"admin":true`), wantStatus: 400, wantFields: []string{"admin:unknown"}},
		{name: "unknown nested field", body: with(`"ship":{"city":"x","admin":true}`), wantStatus: 400, wantFields: []string{"ship.admin:unknown"}},
		// encoding/json matches names case-insensitively, so a gateway
		// checking "email" and the handler reading "EMAIL" would disagree.
		{name: "case variant", body: with(`"EMAIL":"b@example.com"`), wantStatus: 400, wantFields: []string{"EMAIL:unknown"}},
		{name: "json:\"-\" field", body: with(`"Secret":"x"`), wantStatus: 400, wantFields: []string{"Secret:unknown"}},
		{name: "embedded struct name", body: with(`"Meta":{}`), wantStatus: 400, wantFields: []string{"Meta:unknown"}},
		// encoding/json keeps the last of duplicate names: a validator in
		// front may have checked the first.
		{name: "duplicate key", body: with(`"email":"evil@example.com"`), wantStatus: 400, wantFields: []string{"email:duplicate"}},
		{name: "duplicate key via escape", body: with(`"em\u0061il":"evil@example.com"`), wantStatus: 400, wantFields: []string{"email:duplicate"}},
		{name: "duplicate nested key", body: with(`"ship":{"city":"a","city":"b"}`), wantStatus: 400, wantFields: []string{"ship.city:duplicate"}},
		{name: "duplicate map key", body: with(`"attrs":{"k":"a","k":"b"}`), wantStatus: 400, wantFields: []string{"attrs[k]:duplicate"}},
		{name: "duplicate key in any", body: with(`"extra":[{"a":1,"a":2}]`), wantStatus: 400, wantFields: []string{"extra[0].a:duplicate"}},
		{name: "duplicate key in big object", body: with(`"extra":{` + bigObject(20) + `,"k3":0}`), wantStatus: 400, wantFields: []string{"extra.k3:duplicate"}},
		{name: "all field problems at once", body: `{"email":1,"items":[{"qty":"x"}],"zz":1}`, wantStatus: 400,
			wantFields: []string{"email:type", "items[0].qty:type", "zz:unknown"}},

		// 422
		{name: "missing everything", body: `{}`, wantStatus: 422,
			wantFields: []string{"email:required", "password:required", "remember:required", "bill.city:required", "items:required"}},
		{name: "bad email", body: strings.Replace(validOrder, "a@example.com", "nope", 1), wantStatus: 422, wantFields: []string{"email:email"}},
		{name: "short password", body: strings.Replace(validOrder, "long-enough1", "short1", 1), wantStatus: 422, wantFields: []string{"password:min"}}, // first failed rule per field
		{name: "custom rule messages", body: strings.Replace(validOrder, "long-enough1", "longenough", 1), wantStatus: 422, wantFields: []string{"password:digits", "password:digits"}},
		{name: "eqfield", body: with(`"confirm":"other"`), wantStatus: 422, wantFields: []string{"confirm:eqfield"}},
		{name: "dive into slice of structs", body: strings.Replace(validOrder, `[{"sku":"A1","qty":1}]`, `[{"sku":"A1","qty":1},{"sku":"","qty":0}]`, 1), wantStatus: 422,
			wantFields: []string{"items[1].sku:required", "items[1].qty:gte"}},
		{name: "slice too long", body: strings.Replace(validOrder, `[{"sku":"A1","qty":1}]`, `[{"sku":"A","qty":1},{"sku":"B","qty":1},{"sku":"C","qty":1},{"sku":"D","qty":1}]`, 1), wantStatus: 422,
			wantFields: []string{"items:max"}},
		{name: "dive into strings", body: with(`"tags":["a","okay"]`), wantStatus: 422, wantFields: []string{"tags[0]:min"}},
		{name: "dive into map", body: with(`"attrs":{"k":"toolong"}`), wantStatus: 422, wantFields: []string{"attrs[k]:max"}},
		{name: "pointer to struct", body: with(`"ship":{"city":"","zip":"1"}`), wantStatus: 422, wantFields: []string{"ship.city:required", "ship.zip:len"}},
		{name: "pointer to int", body: with(`"count":-1`), wantStatus: 422, wantFields: []string{"count:gte"}},
		{name: "embedded struct", body: with(`"source":"fax"`), wantStatus: 422, wantFields: []string{"source:oneof"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := jsonRequest(http.MethodPost, tc.body)
			switch tc.contentType {
			case "":
			case "-":
				req.Header.Del("Content-Type")
			default:
				req.Header.Set("Content-Type", tc.contentType)
			}
			got = order{}
			rec, p := serve(t, h, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status: got %d, want %d (%s)", rec.Code, tc.wantStatus, rec.Body)
			}
			if f := p.fields(); !slices.Equal(f, tc.wantFields) {
				t.Errorf("fields: got %q, want %q", f, tc.wantFields)
			}
			if !strings.Contains(p.Detail, tc.wantDetail) {
				t.Errorf("detail: got %q, want it to contain %q", p.Detail, tc.wantDetail)
			}
			for _, e := range p.Errors {
				if e.Message == "" {
					t.Errorf("field %s has no message", e.Field)
				}
			}
			if tc.wantStatus == 415 && rec.Header().Get("Accept-Post") != "application/json" {
				t.Errorf("415 without Accept-Post")
			}
			if tc.wantStatus < 300 {
				// What the handler got equals what encoding/json decodes.
				var want order
				if err := json.Unmarshal([]byte(tc.body), &want); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("decoded %+v, want %+v", got, want)
				}
			}
		})
	}
}

func TestDecodeJSONRequiredBool(t *testing.T) {
	v := mustNew(t, validate.Config{})
	type prefs struct {
		Remember *bool `json:"remember" validate:"required"`
	}
	for _, tc := range []struct {
		name string
		body string
		want error
	}{
		{"false", `{"remember":false}`, nil},
		{"true", `{"remember":true}`, nil},
		{"absent", `{}`, validate.ErrInvalid},
		{"null", `{"remember":null}`, validate.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p prefs
			err := v.DecodeJSON(jsonRequest("POST", tc.body), &p)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDecodeJSONBodyLimit(t *testing.T) {
	type in struct {
		S string `json:"s"`
	}
	body := `{"s":"` + strings.Repeat("x", 100) + `"}`
	n := int64(len(body))
	for _, tc := range []struct {
		name    string
		limit   int64
		chunked bool // no Content-Length: the reader must stop at the limit
		want    int
	}{
		{"exactly the limit", n, false, 204},
		{"one byte over", n - 1, false, 413},
		{"exactly the limit chunked", n, true, 204},
		{"one byte over chunked", n - 1, true, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := mustNew(t, validate.Config{MaxBodyBytes: tc.limit})
			h := validate.JSON(v, func(w http.ResponseWriter, r *http.Request, _ in) { w.WriteHeader(204) })
			req := jsonRequest("POST", body)
			if tc.chunked {
				req.Body = io.NopCloser(strings.NewReader(body))
				req.ContentLength = -1
			}
			rec, p := serve(t, h, req)
			if rec.Code != tc.want {
				t.Fatalf("status: got %d, want %d", rec.Code, tc.want)
			}
			if tc.want == 413 && !strings.Contains(p.Detail, "larger than") {
				t.Errorf("detail %q", p.Detail)
			}
		})
	}
	// The default is 1 MiB.
	v := mustNew(t, validate.Config{})
	big := `{"s":"` + strings.Repeat("x", 1<<20) + `"}`
	var x in
	if err := v.DecodeJSON(jsonRequest("POST", big), &x); !errors.Is(err, validate.ErrBodyTooLarge) {
		t.Fatalf("1 MiB body: got %v, want ErrBodyTooLarge", err)
	}
}

// A body reader that fails is a 400, not a 500 or a hang.
func TestDecodeJSONReadError(t *testing.T) {
	v := mustNew(t, validate.Config{})
	req := jsonRequest("POST", "")
	req.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"a":`), errReader{}))
	var x struct{ A int }
	if err := v.DecodeJSON(req, &x); !errors.Is(err, validate.ErrMalformed) {
		t.Fatalf("got %v, want ErrMalformed", err)
	}
}

// Content-Length is the client's claim: a request announcing a huge body
// and sending a few bytes must not make the server reserve the claimed
// size up front (with a route allowing large bodies, many such requests
// would exhaust memory).
func TestDecodeJSONDoesNotTrustContentLength(t *testing.T) {
	v := mustNew(t, validate.Config{MaxBodyBytes: 1 << 30})
	req := jsonRequest("POST", "")
	req.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"a":`), errReader{}))
	req.ContentLength = 256 << 20
	var x struct{ A int }
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := v.DecodeJSON(req, &x)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, validate.ErrMalformed) {
		t.Fatalf("got %v, want ErrMalformed", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
		t.Errorf("allocated %d bytes for a 5-byte body", n)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestContentEncodingRejected(t *testing.T) {
	v := mustNew(t, validate.Config{})
	req := jsonRequest("PATCH", `{}`)
	req.Header.Set("Content-Encoding", "gzip")
	var x struct{}
	err := v.DecodeJSON(req, &x)
	if !errors.Is(err, validate.ErrUnsupportedMediaType) {
		t.Fatalf("got %v", err)
	}
	rec := httptest.NewRecorder()
	validate.WriteError(rec, req, err)
	if rec.Code != 415 || rec.Header().Get("Accept-Patch") != "application/json" {
		t.Fatalf("got %d %v", rec.Code, rec.Header())
	}
}

// A request with two Content-Type or Content-Encoding lines is ambiguous:
// a gateway or WAF may read the other one. Header.Get sees only the first.
func TestRepeatedContentHeaders(t *testing.T) {
	v := mustNew(t, validate.Config{})
	tests := []struct {
		name   string
		header string
		values []string
	}{
		{name: "json then text", header: "Content-Type", values: []string{"application/json", "text/plain"}},
		{name: "json twice", header: "Content-Type", values: []string{"application/json", "application/json"}},
		{name: "identity then gzip", header: "Content-Encoding", values: []string{"identity", "gzip"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := jsonRequest("POST", `{}`)
			req.Header.Del(tc.header)
			for _, val := range tc.values {
				req.Header.Add(tc.header, val)
			}
			if tc.header != "Content-Type" {
				req.Header.Set("Content-Type", "application/json")
			}
			var x struct{}
			if err := v.DecodeJSON(req, &x); !errors.Is(err, validate.ErrUnsupportedMediaType) {
				t.Errorf("DecodeJSON: got %v, want ErrUnsupportedMediaType", err)
			}
		})
	}
}

// No answer, error text or log line may repeat what the client sent.
func TestNeverEchoesValues(t *testing.T) {
	const secret = "HunterSecretValue"
	var logs bytes.Buffer
	v := mustNew(t, validate.Config{
		Rules:  map[string]func(string) error{"digits": digitRule},
		Logger: slogDebug(&logs),
	})
	h := validate.JSON(v, func(w http.ResponseWriter, r *http.Request, in order) {})
	bodies := []string{
		strings.Replace(validOrder, "long-enough1", secret, 1),                             // rule failures
		strings.Replace(validOrder, `"long-enough1"`, `"`+secret+`" "`+secret+`"`, 1),      // syntax error
		with(`"password":"` + secret + `"`),                                                // duplicate
		with(`"small":"` + secret + `"`),                                                   // wrong type
		with(`"when":"` + secret + `"`),                                                    // time.ParseError quotes its input
		strings.Replace(validOrder, "a@example.com", secret, 1),                            // email rule
		strings.Replace(validOrder, "long-enough1", strings.Repeat(secret, 10), 1),         // max
		strings.Replace(validOrder, `"password":"long-enough1"`, `"password":"`+secret, 1), // unterminated
	}
	for i, body := range bodies {
		rec, _ := serve(t, h, jsonRequest("POST", body))
		if rec.Code < 400 {
			t.Fatalf("body %d accepted", i)
		}
		if strings.Contains(rec.Body.String(), secret) {
			t.Errorf("body %d: answer echoes the value: %s", i, rec.Body)
		}
		var x order
		if err := v.DecodeJSON(jsonRequest("POST", body), &x); err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("body %d: error %v", i, err)
		}
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("logs echo the value: %s", logs.String())
	}
	if logs.Len() == 0 {
		t.Error("rejections were not logged at debug level")
	}
}

func TestDecodeJSONConcurrent(t *testing.T) {
	v := mustNew(t, validate.Config{Rules: map[string]func(string) error{"digits": digitRule}})
	type small struct {
		N int `json:"n" validate:"gte=1"`
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for range 50 {
				// First use of both types races with the others.
				var o order
				err := v.DecodeJSON(jsonRequest("POST", strings.Replace(validOrder, "long-enough1", "longenough", 1)), &o)
				var fe *validate.FieldErrors
				if !errors.As(err, &fe) || len(fe.Errors) != 2 {
					t.Errorf("goroutine %d: %v", i, err)
					return
				}
				var s small
				if err := v.DecodeJSON(jsonRequest("POST", `{"n":1}`), &s); err != nil || s.N != 1 {
					t.Errorf("goroutine %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Strings containing every escape decode exactly as encoding/json does.
func TestDecodeJSONEscapes(t *testing.T) {
	v := mustNew(t, validate.Config{})
	type in struct {
		S string                      `json:"s"`
		M map[string]string           `json:"m"`
		B []byte                      `json:"b"`
		N json.Number                 `json:"n"`
		R json.RawMessage             `json:"r"`
		A [2]int                      `json:"a"` // encoding/json would drop a third element
		K map[int]bool                `json:"k"`
		Q int                         `json:"q,string"`
		T map[netip.Addr]netip.Prefix `json:"t"`
	}
	body := `{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00ü€","m":{"\u00e9":"x","e\u0301":"y"},"b":"aGk=","n":"1.5e3","r":{"a":[1,"x"]},"a":[1,2],"k":{"-1":true},"q":"7","t":{"10.0.0.1":"10.0.0.0/8"}}`
	var got, want in
	if err := v.DecodeJSON(jsonRequest("POST", body), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for _, bad := range []string{`{"b":"!!"}`, `{"n":"x"}`, `{"m":{"a":1}}`, `{"a":[1,2,3]}`, `{"k":{"x":1}}`, `{"q":5}`, `{"t":{"x":"10.0.0.0/8"}}`, `{"t":{"10.0.0.1":"x"}}`, `{"t":{"10.0.0.1":1}}`} {
		var x in
		var fe *validate.FieldErrors
		if err := v.DecodeJSON(jsonRequest("POST", bad), &x); !errors.Is(err, validate.ErrMalformed) || !errors.As(err, &fe) {
			t.Errorf("%s: got %v, want field errors wrapping ErrMalformed", bad, err)
		}
	}
}

// Values that only encoding/json or a type's own decoder refuses come back
// with errors that quote them; those texts must not reach the client.
func TestDecoderErrorsNeverEchoValues(t *testing.T) {
	const secret = "HunterSecretValue"
	v := mustNew(t, validate.Config{})
	var x struct {
		Q int        `json:"q,string"`
		A netip.Addr `json:"a"`
		W time.Time  `json:"w"`
	}
	for _, body := range []string{
		`{"q":"` + secret + `"}`, // "invalid use of ,string struct tag, trying to unmarshal \"...\""
		`{"q":"1` + secret + `"}`,
		`{"a":"` + secret + `"}`, // netip: ParseAddr("..."): ...
		`{"w":"` + secret + `"}`, // time: parsing time "..."
	} {
		err := v.DecodeJSON(jsonRequest(http.MethodPost, body), &x)
		if !errors.Is(err, validate.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", body, err)
			continue
		}
		rec := httptest.NewRecorder()
		validate.WriteError(rec, nil, err)
		if strings.Contains(err.Error(), secret) || strings.Contains(rec.Body.String(), secret) {
			t.Errorf("%s: value echoed: %v / %s", body, err, rec.Body)
		}
	}
}

// bigObject returns n distinct members "k0":0, "k1":1, ...
func bigObject(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf(`"k%d":%d`, i, i))
	}
	return strings.Join(parts, ",")
}

// Duplicate tracking switches from a bit mask to a slice past 64 fields;
// both must catch a repeated member.
func TestDecodeJSONDuplicateInWideStruct(t *testing.T) {
	fields := make([]reflect.StructField, 70)
	for i := range fields {
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("F%d", i),
			Type: reflect.TypeFor[int](),
			Tag:  reflect.StructTag(fmt.Sprintf(`json:"f%d"`, i)),
		}
	}
	wide := reflect.StructOf(fields)
	v := mustNew(t, validate.Config{})
	tests := []struct {
		name string
		body string
		want []string
	}{
		{name: "all once", body: `{"f0":1,"f63":1,"f64":1,"f69":1}`},
		{name: "low field twice", body: `{"f3":1,"f64":1,"f3":2}`, want: []string{"f3:duplicate"}},
		{name: "high field twice", body: `{"f69":1,"f3":1,"f69":2}`, want: []string{"f69:duplicate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := reflect.New(wide).Interface()
			err := v.DecodeJSON(jsonRequest(http.MethodPost, tc.body), dst)
			var fe *validate.FieldErrors
			errors.As(err, &fe)
			var got []string
			if fe != nil {
				for _, e := range fe.Errors {
					got = append(got, e.Field+":"+e.Rule)
				}
			}
			if (err == nil) != (tc.want == nil) || !slices.Equal(got, tc.want) {
				t.Fatalf("DecodeJSON: got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

// retains keeps the bytes UnmarshalJSON is given. The json.Unmarshaler
// contract says to copy them, but code that does not was safe with plain
// encoding/json, where nothing reuses the input.
type retains struct{ b []byte }

func (r *retains) UnmarshalJSON(b []byte) error { r.b = b; return nil }

// retainsText does the same through encoding.TextUnmarshaler.
type retainsText struct{ b []byte }

func (r *retainsText) UnmarshalText(b []byte) error { r.b = b; return nil }

// Request bodies are pooled; a decoder that keeps its input must never see
// it overwritten by the next request's body (another user's data).
func TestDecodeJSONBodyNotReusedUnderRetainingDecoders(t *testing.T) {
	v := mustNew(t, validate.Config{})
	type doc struct {
		R retains     `json:"r"`
		T retainsText `json:"t"`
	}
	var first doc
	if err := v.DecodeJSON(jsonRequest(http.MethodPost, `{"r":"alice-secret","t":"alice-token"}`), &first); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		var next doc
		if err := v.DecodeJSON(jsonRequest(http.MethodPost, `{"r":"mallory-data","t":"mallory-text"}`), &next); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(first.R.b); got != `"alice-secret"` {
		t.Errorf("UnmarshalJSON input changed to %q", got)
	}
	if got := string(first.T.b); got != "alice-token" {
		t.Errorf("UnmarshalText input changed to %q", got)
	}
}
