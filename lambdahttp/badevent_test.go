package lambdahttp_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/lambdahttp"
)

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("served")) })

// TestUnknownEvent: an event of no known shape has no format to answer in;
// it is logged and returned as a function error.
func TestUnknownEvent(t *testing.T) {
	for _, payload := range []string{``, `[]`, `"x"`, `null`, `{}`, `{"Records":[{"eventSource":"aws:sqs"}]}`,
		`{"requestContext":{"connectionId":"abc","routeKey":"$connect"}}`, `{"version":"1.0"}`} {
		var logs bytes.Buffer
		fn, err := lambdahttp.New(ok, lambdahttp.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		out, err := fn.Invoke(context.Background(), []byte(payload))
		if !errors.Is(err, lambdahttp.ErrUnknownEvent) || out != nil {
			t.Errorf("%s: got %s, %v; want ErrUnknownEvent", payload, out, err)
		}
		if !strings.Contains(logs.String(), "bad event") {
			t.Errorf("%s: not logged", payload)
		}
	}
}

// TestBadEvent: a malformed event of a known shape is answered in its own
// format with a problem document, logged with the cause, and never reaches
// the handler.
func TestBadEvent(t *testing.T) {
	tests := []struct {
		name, event string
		maxBody     int64
		wantStatus  float64
		wantMembers []string // members the answer's format has
		wantLog     string
	}{
		{"v1 headers of the wrong type", `{"httpMethod":"GET","path":"/","headers":7,"requestContext":{}}`, 0, 400,
			[]string{"statusCode", "headers", "body", "isBase64Encoded"}, "apigateway-v1 event"},
		{"v1 without requestContext", `{"httpMethod":"GET","path":"/"}`, 0, 400,
			[]string{"statusCode", "headers", "body", "isBase64Encoded"}, "without requestContext"},
		{"v2 without requestContext", `{"version":"2.0","rawPath":"/"}`, 0, 400,
			[]string{"statusCode", "headers", "body", "isBase64Encoded"}, "without requestContext"},
		{"v2 invalid base64", `{"version":"2.0","rawPath":"/","body":"!!!","isBase64Encoded":true,"requestContext":{"http":{"method":"POST"}}}`, 0, 400,
			[]string{"statusCode", "headers", "body", "isBase64Encoded"}, "not valid base64"},
		{"v2 body over the limit", `{"version":"2.0","rawPath":"/","body":"12345","requestContext":{"http":{"method":"POST"}}}`, 4, 413,
			[]string{"statusCode", "headers", "body", "isBase64Encoded"}, "too large"},
		{"v2 base64 body over the limit", `{"version":"2.0","rawPath":"/","body":"MTIzNDU2Nzg=","isBase64Encoded":true,"requestContext":{"http":{"method":"POST"}}}`, 6, 413,
			[]string{"statusCode", "headers", "body", "isBase64Encoded"}, "too large"},
		{"v2 no method", `{"version":"2.0","rawPath":"/","requestContext":{"http":{}}}`, 0, 400,
			[]string{"statusCode", "headers", "body", "isBase64Encoded"}, "method"},
		{"Function URL bad percent-encoding", `{"version":"2.0","rawPath":"/%zz","requestContext":{"domainName":"x.lambda-url.us-east-1.on.aws","http":{"method":"GET"}}}`, 0, 400,
			[]string{"statusCode", "headers", "body", "isBase64Encoded"}, "percent-encoded"},
		{"ALB relative path", `{"httpMethod":"GET","path":"x","headers":{},"requestContext":{"elb":{"targetGroupArn":"arn"}}}`, 0, 400,
			[]string{"statusCode", "statusDescription", "headers", "body", "isBase64Encoded"}, "not absolute"},
		{"ALB multi-value header smuggling a line break", `{"httpMethod":"GET","path":"/","multiValueHeaders":{"x":["a\r\nb"]},"requestContext":{"elb":{"targetGroupArn":"arn"}}}`, 0, 400,
			[]string{"statusCode", "statusDescription", "multiValueHeaders", "body", "isBase64Encoded"}, "invalid value"},
		{"method with a space", `{"httpMethod":"GET / HTTP/1.1","path":"/","requestContext":{}}`, 0, 400,
			[]string{"statusCode", "headers", "body", "isBase64Encoded"}, "method"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			served := false
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served = true })
			got := invoke(t, h, lambdahttp.Config{MaxBodyBytes: tc.maxBody, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, []byte(tc.event))
			if served {
				t.Error("the handler was called")
			}
			if got["statusCode"] != tc.wantStatus {
				t.Errorf("status %v, want %v", got["statusCode"], tc.wantStatus)
			}
			if len(got) != len(tc.wantMembers) {
				t.Errorf("members %v, want %v", members(got), tc.wantMembers)
			}
			for _, m := range tc.wantMembers {
				if got[m] == nil {
					t.Errorf("member %s missing or null in %v", m, got)
				}
			}
			if !strings.Contains(got["body"].(string), `"status":`) {
				t.Errorf("body %v is not a problem document", got["body"])
			}
			if !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("log %q does not name the cause %q", logs.String(), tc.wantLog)
			}
		})
	}
}

// TestErrorHandler: Config.ErrorHandler answers bad events.
func TestErrorHandler(t *testing.T) {
	var gotErr error
	cfg := lambdahttp.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		gotErr = err
		if _, ok := lambdahttp.FromContext(r.Context()); !ok {
			t.Error("the stand-in request does not carry the event")
		}
		http.Error(w, "custom", http.StatusTeapot)
	}}
	got := invoke(t, ok, cfg, []byte(`{"httpMethod":"GET","path":"/"}`))
	if got["statusCode"] != 418.0 || !errors.Is(gotErr, lambdahttp.ErrBadEvent) {
		t.Errorf("got %v with error %v", got, gotErr)
	}
}

// TestPanic: a panicking handler is answered 500, whatever it wrote
// before, and the panic logged; the invocation does not fail.
func TestPanic(t *testing.T) {
	var logs bytes.Buffer
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		panic("boom")
	})
	got := invoke(t, h, lambdahttp.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, readEvent(t, "apigw-v1.json"))
	if got["statusCode"] != 500.0 || strings.Contains(got["body"].(string), "partial") {
		t.Errorf("got %v, want a clean 500", got)
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic not logged: %s", logs.String())
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    http.Handler
		cfg  lambdahttp.Config
	}{
		{"nil handler", nil, lambdahttp.Config{}},
		{"negative body limit", ok, lambdahttp.Config{MaxBodyBytes: -1}},
		{"negative timeout", ok, lambdahttp.Config{ReadTimeout: -1}},
	} {
		if _, err := lambdahttp.New(tc.h, tc.cfg); !errors.Is(err, lambdahttp.ErrInvalidConfig) {
			t.Errorf("%s: got %v, want ErrInvalidConfig", tc.name, err)
		}
	}
}
