package lambdahttp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/lambdahttp"
)

// invoke serves the sample event file with h and returns the answer as
// a generic JSON object, so that absent and null members can be told apart.
func invoke(t *testing.T, h http.Handler, cfg lambdahttp.Config, event []byte) map[string]any {
	t.Helper()
	fn, err := lambdahttp.New(h, cfg)
	if err != nil {
		t.Fatal(err)
	}
	out, err := fn.Invoke(context.Background(), event)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("answer %s: %v", out, err)
	}
	return m
}

func members(m map[string]any) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// cookies sets two cookies and a JSON body.
var cookies = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "a=1; Secure")
	w.Header().Add("Set-Cookie", "b=2; Secure")
	w.Header().Add("Vary", "Origin")
	w.Header().Add("Vary", "Accept")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write([]byte(`{"ok":true}`))
})

func TestResponseFormats(t *testing.T) {
	tests := []struct {
		name, file string
		// want lists every member the answer must have, with its value.
		want map[string]any
	}{
		{"REST API payload 1.0", "apigw-v1.json", map[string]any{
			"statusCode": 201.0, "body": `{"ok":true}`, "isBase64Encoded": false,
			"headers":           map[string]any{"Content-Type": "application/json"},
			"multiValueHeaders": map[string]any{"Set-Cookie": []any{"a=1; Secure", "b=2; Secure"}, "Vary": []any{"Origin", "Accept"}},
		}},
		{"HTTP API payload 2.0", "apigw-v2.json", map[string]any{
			"statusCode": 201.0, "body": `{"ok":true}`, "isBase64Encoded": false,
			"headers": map[string]any{"Content-Type": "application/json", "Vary": "Origin, Accept"},
			"cookies": []any{"a=1; Secure", "b=2; Secure"},
		}},
		{"Function URL", "function-url.json", map[string]any{
			"statusCode": 201.0, "body": `{"ok":true}`, "isBase64Encoded": false,
			"headers": map[string]any{"Content-Type": "application/json", "Vary": "Origin, Accept"},
			"cookies": []any{"a=1; Secure", "b=2; Secure"},
		}},
		// ALB answers in the header mode of the request, never both, never
		// null, and with a "code reason" statusDescription.
		{"ALB single-value headers", "alb-single.json", map[string]any{
			"statusCode": 201.0, "statusDescription": "201 Created", "body": `{"ok":true}`, "isBase64Encoded": false,
			// The second cookie cannot be expressed in this mode.
			"headers": map[string]any{"Content-Type": "application/json", "Vary": "Origin, Accept", "Set-Cookie": "a=1; Secure"},
		}},
		{"ALB multi-value headers", "alb-multi.json", map[string]any{
			"statusCode": 201.0, "statusDescription": "201 Created", "body": `{"ok":true}`, "isBase64Encoded": false,
			"multiValueHeaders": map[string]any{"Content-Type": []any{"application/json"}, "Vary": []any{"Origin", "Accept"},
				"Set-Cookie": []any{"a=1; Secure", "b=2; Secure"}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := invoke(t, cookies, lambdahttp.Config{}, readEvent(t, tc.file))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestResponseBody(t *testing.T) {
	tests := []struct {
		name, contentType, encoding, body string
		head, wantBase64                  bool
	}{
		{name: "json", contentType: "application/json", body: `{"a":1}`},
		{name: "problem json", contentType: "application/problem+json", body: `{}`},
		{name: "html", contentType: "text/html; charset=utf-8", body: "<p>hi</p>"},
		{name: "png", contentType: "image/png", body: "\x89PNG\r\n\x1a\n", wantBase64: true},
		{name: "gzip json", contentType: "application/json", encoding: "gzip", body: "\x1f\x8b", wantBase64: true},
		// A JSON string cannot carry these bytes: sent as base64 whatever
		// the type says.
		{name: "latin-1 text", contentType: "text/plain; charset=iso-8859-1", body: "caf\xe9", wantBase64: true},
		{name: "sniffed text", body: "plain words"},
		{name: "sniffed binary", body: "\x00\x01\x02", wantBase64: true},
		{name: "HEAD has no body", contentType: "text/plain", body: "dropped", head: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				if tc.encoding != "" {
					w.Header().Set("Content-Encoding", tc.encoding)
				}
				w.Write([]byte(tc.body))
			})
			method := "GET"
			if tc.head {
				method = "HEAD"
			}
			event := `{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"` + method + `","sourceIp":"192.0.2.1"}}}`
			got := invoke(t, h, lambdahttp.Config{}, []byte(event))
			body := got["body"].(string)
			if got["isBase64Encoded"] != tc.wantBase64 {
				t.Fatalf("isBase64Encoded %v, want %v", got["isBase64Encoded"], tc.wantBase64)
			}
			if tc.wantBase64 {
				b, err := base64.StdEncoding.DecodeString(body)
				if err != nil {
					t.Fatal(err)
				}
				body = string(b)
			}
			want := tc.body
			if tc.head {
				want = ""
			}
			if body != want {
				t.Errorf("body %q, want %q", body, want)
			}
			if tc.contentType == "" && got["headers"].(map[string]any)["Content-Type"] == nil {
				t.Error("no sniffed Content-Type")
			}
		})
	}
}

// TestResponseWriterSemantics: the buffered writer behaves as net/http's.
func TestResponseWriterSemantics(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Before", "1")
		w.Header().Set("X-Injected", "a\r\nSet-Cookie: evil=1")
		w.WriteHeader(http.StatusEarlyHints) // informational: the final status follows
		w.WriteHeader(http.StatusAccepted)
		w.WriteHeader(http.StatusTeapot) // ignored, as net/http does
		w.Header().Set("X-After", "1")   // after WriteHeader: not sent
		w.Write([]byte("x"))
		if err := http.NewResponseController(w).Flush(); err == nil {
			t.Error("Flush succeeded; the answer is buffered and cannot be flushed")
		}
	})
	got := invoke(t, h, lambdahttp.Config{}, readEvent(t, "apigw-v2.json"))
	headers := got["headers"].(map[string]any)
	if got["statusCode"] != 202.0 || headers["X-Before"] != "1" || headers["X-After"] != nil {
		t.Errorf("got %v: want 202 with X-Before and without X-After", got)
	}
	if v := headers["X-Injected"].(string); strings.ContainsAny(v, "\r\n") || got["cookies"] != nil {
		t.Errorf("header value %q: a line break reached the answer", v)
	}
}
