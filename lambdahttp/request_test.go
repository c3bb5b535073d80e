package lambdahttp_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lambdasec/lambdasec/lambdahttp"
)

func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seen is what a handler saw of one request.
type seen struct {
	method, requestURI, path, rawQuery, host, remoteAddr, body string
	header                                                     http.Header
	query                                                      map[string][]string
	event                                                      *lambdahttp.Event
}

// capture returns a Handler whose http.Handler records the request.
func capture(t *testing.T, cfg lambdahttp.Config) (*lambdahttp.Handler, *seen) {
	t.Helper()
	s := &seen{}
	h, err := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*s = seen{method: r.Method, requestURI: r.RequestURI, path: r.URL.Path, rawQuery: r.URL.RawQuery,
			host: r.Host, remoteAddr: r.RemoteAddr, body: string(b), header: r.Header, query: r.URL.Query()}
		s.event, _ = lambdahttp.FromContext(r.Context())
	}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, s
}

func TestRequestFromEvent(t *testing.T) {
	tests := []struct {
		name, file string
		source     lambdahttp.Source
		want       seen
		headers    map[string][]string
	}{
		{
			name: "REST API payload 1.0", file: "apigw-v1.json", source: lambdahttp.APIGatewayV1,
			want: seen{method: "POST", requestURI: "/items/a%20b?q=x+y&tag=a&tag=b", path: "/items/a b",
				host: "f6g7h8i9j0.execute-api.us-east-1.amazonaws.com",
				// identity.sourceIp, not the X-Forwarded-For a client can write.
				remoteAddr: "198.51.100.20:0", body: `{"a":1}`,
				query: map[string][]string{"q": {"x y"}, "tag": {"a", "b"}}},
			// multiValueHeaders win: "headers" holds only the last value.
			headers: map[string][]string{"X-Multi": {"1", "2"}, "Content-Type": {"application/json"}},
		},
		{
			name: "HTTP API payload 2.0", file: "apigw-v2.json", source: lambdahttp.APIGatewayV2,
			want: seen{method: "PUT", requestURI: "/items/a%2Fb?tag=a&tag=b&q=x%20y", path: "/items/a/b",
				host: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", remoteAddr: "198.51.100.10:0", body: "hello",
				query: map[string][]string{"q": {"x y"}, "tag": {"a", "b"}}},
			headers: map[string][]string{
				"Cookie": {"s=1; t=2"},
				// Kept as delivered, not split on the comma.
				"Accept": {"text/html, application/json"},
			},
		},
		{
			name: "Function URL", file: "function-url.json", source: lambdahttp.FunctionURL,
			want: seen{method: "POST", requestURI: "/hook?id=7", path: "/hook",
				host: "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws", remoteAddr: "[2001:db8::7]:0",
				body: "\x00\x01\x02\xff", query: map[string][]string{"id": {"7"}}},
			headers: map[string][]string{"Cookie": {"s=1"}},
		},
		{
			name: "ALB single-value headers", file: "alb-single.json", source: lambdahttp.ALB,
			want: seen{method: "GET", requestURI: "/items/a%20b?q=x%20y", path: "/items/a b",
				host: "trialbalance-1234567890.us-east-1.elb.amazonaws.com",
				// The last X-Forwarded-For entry, which the load balancer appended.
				remoteAddr: "192.0.2.44:0", query: map[string][]string{"q": {"x y"}}},
		},
		{
			name: "ALB multi-value headers", file: "alb-multi.json", source: lambdahttp.ALB,
			want: seen{method: "GET", requestURI: "/items?q=x%20y&tag=a&tag=b", path: "/items",
				host: "trialbalance-1234567890.us-east-1.elb.amazonaws.com", remoteAddr: "192.0.2.45:0",
				query: map[string][]string{"q": {"x y"}, "tag": {"a", "b"}}},
			headers: map[string][]string{"X-Multi": {"1", "2"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, got := capture(t, lambdahttp.Config{})
			if _, err := h.Invoke(context.Background(), readEvent(t, tc.file)); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ field, got, want string }{
				{"method", got.method, tc.want.method},
				{"RequestURI", got.requestURI, tc.want.requestURI},
				{"path", got.path, tc.want.path},
				{"host", got.host, tc.want.host},
				{"RemoteAddr", got.remoteAddr, tc.want.remoteAddr},
				{"body", got.body, tc.want.body},
			} {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
				}
			}
			for k, want := range tc.want.query {
				if !slices.Equal(got.query[k], want) {
					t.Errorf("query %s: got %q, want %q", k, got.query[k], want)
				}
			}
			for k, want := range tc.headers {
				if !slices.Equal(got.header[k], want) {
					t.Errorf("header %s: got %q, want %q", k, got.header[k], want)
				}
			}
			if got.header.Get("Host") != "" {
				t.Error("Host stayed in the header map; net/http moves it to r.Host")
			}
			if got.event == nil || got.event.Source != tc.source {
				t.Fatalf("FromContext: got %+v, want source %s", got.event, tc.source)
			}
		})
	}
}

// TestRemoteAddr: the caller's address comes from the event's request
// context, or for ALB from the entry the load balancer appended, and never
// from what the client put in X-Forwarded-For.
func TestRemoteAddr(t *testing.T) {
	tests := []struct{ name, event, want string }{
		{"v2 ignores a forged X-Forwarded-For",
			`{"version":"2.0","rawPath":"/","headers":{"x-forwarded-for":"10.0.0.1"},"requestContext":{"http":{"method":"GET","sourceIp":"198.51.100.1"}}}`,
			"198.51.100.1:0"},
		{"v1 console test source", // API Gateway's test invoke sends no address
			`{"httpMethod":"GET","path":"/","requestContext":{"identity":{"sourceIp":"test-invoke-source-ip"}}}`, ""},
		{"v1 IPv4-mapped IPv6 unmapped",
			`{"httpMethod":"GET","path":"/","requestContext":{"identity":{"sourceIp":"::ffff:198.51.100.2"}}}`, "198.51.100.2:0"},
		{"ALB without X-Forwarded-For",
			`{"httpMethod":"GET","path":"/","headers":{},"requestContext":{"elb":{"targetGroupArn":"arn"}}}`, ""},
		{"ALB client-written entries ignored",
			`{"httpMethod":"GET","path":"/","headers":{"x-forwarded-for":"10.0.0.1, 10.0.0.2,192.0.2.9"},"requestContext":{"elb":{"targetGroupArn":"arn"}}}`,
			"192.0.2.9:0"},
		{"ALB last entry not an address",
			`{"httpMethod":"GET","path":"/","headers":{"x-forwarded-for":"192.0.2.9, junk"},"requestContext":{"elb":{"targetGroupArn":"arn"}}}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, got := capture(t, lambdahttp.Config{})
			if _, err := h.Invoke(context.Background(), []byte(tc.event)); err != nil {
				t.Fatal(err)
			}
			if got.remoteAddr != tc.want {
				t.Errorf("RemoteAddr: got %q, want %q", got.remoteAddr, tc.want)
			}
		})
	}
}
