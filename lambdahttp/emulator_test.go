package lambdahttp_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/testenv"
)

// TestEmulator runs a function built on Run under the Lambda runtime
// interface emulator and invokes it with each event shape: the answer
// comes back in the event's format, the request carries the invocation,
// and the shutdown hook runs on SIGTERM.
func TestEmulator(t *testing.T) {
	fn := testenv.StartLambda(t, "./testdata/fn", "AWS_LAMBDA_FUNCTION_NAME=fn", "AWS_LAMBDA_FUNCTION_TIMEOUT=30")
	tests := []struct {
		file, source, remote, cookie string
		alb, multi                   bool
	}{
		{file: "apigw-v1.json", source: "apigateway-v1", remote: "198.51.100.20:0"},
		{file: "apigw-v2.json", source: "apigateway-v2", remote: "198.51.100.10:0", cookie: "s=1; t=2"},
		{file: "function-url.json", source: "function-url", remote: "[2001:db8::7]:0", cookie: "s=1"},
		{file: "alb-single.json", source: "alb", remote: "192.0.2.44:0", alb: true},
		{file: "alb-multi.json", source: "alb", remote: "192.0.2.45:0", alb: true, multi: true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			out := fn.Invoke(t, readEvent(t, tc.file))
			var res struct {
				StatusCode        int                 `json:"statusCode"`
				StatusDescription *string             `json:"statusDescription"`
				Headers           map[string]string   `json:"headers"`
				MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
				Cookies           []string            `json:"cookies"`
				Body              string              `json:"body"`
				IsBase64Encoded   bool                `json:"isBase64Encoded"`
			}
			if err := json.Unmarshal(out, &res); err != nil || res.StatusCode != 200 {
				t.Fatalf("answer %s (%v)", out, err)
			}
			body := res.Body
			if res.IsBase64Encoded {
				b, _ := base64.StdEncoding.DecodeString(body)
				body = string(b)
			}
			var saw map[string]any
			if err := json.Unmarshal([]byte(body), &saw); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if saw["source"] != tc.source || saw["remote"] != tc.remote || saw["cookie"] != tc.cookie {
				t.Errorf("saw %v: want source %s, remote %s, cookie %q", saw, tc.source, tc.remote, tc.cookie)
			}
			// The emulator sends no trace id, but the runtime's context key
			// is there (an absent one would print "<nil>");
			// TestInvocationContext checks its value.
			if saw["aws_request_id"] == "" || saw["deadline"] != true || saw["trace"] == "<nil>" {
				t.Errorf("saw %v: want the invocation's request id, deadline and trace header", saw)
			}
			switch {
			case tc.alb && (res.StatusDescription == nil || *res.StatusDescription != "200 OK"):
				t.Errorf("ALB statusDescription %v", res.StatusDescription)
			case tc.alb && tc.multi && (res.Headers != nil || len(res.MultiValueHeaders["Set-Cookie"]) != 2):
				t.Errorf("ALB multi-value answer %s", out)
			case tc.alb && !tc.multi && (res.MultiValueHeaders != nil || res.Headers["Set-Cookie"] == ""):
				t.Errorf("ALB single-value answer %s", out)
			case tc.source == "apigateway-v1" && len(res.MultiValueHeaders["Set-Cookie"]) != 2:
				t.Errorf("REST answer %s: want both cookies in multiValueHeaders", out)
			case strings.HasPrefix(tc.source, "apigateway-v2") || tc.source == "function-url":
				if len(res.Cookies) != 2 {
					t.Errorf("2.0 answer %s: want both cookies in cookies", out)
				}
			}
		})
	}

	fn.Shutdown(t)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(fn.Logs(), "shutdown hook ran") {
		if time.Now().After(deadline) {
			t.Fatalf("the shutdown hook did not run on SIGTERM:\n%s", fn.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
