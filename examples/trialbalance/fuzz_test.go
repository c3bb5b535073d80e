package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lambdasec/lambdasec/lambdahttp"
)

// FuzzAPI sends arbitrary methods, paths, queries, bodies and tokens: the
// service must answer every request without a 5xx, with a problem document
// for every error.
func FuzzAPI(f *testing.F) {
	h, token := loggedInApp(f, nil)
	seeds := []struct {
		method, path, contentType, body string
		auth                            bool
	}{
		{"POST", "/v1/auth/register", "application/json", credentialsJSON("bob@example.com", goodPassword), false},
		{"POST", "/v1/auth/login", "application/json", credentialsJSON("ada@example.com", goodPassword), false},
		{"POST", "/v1/auth/login", "application/json", `{"email":"a@b.c","email":"d@e.f","password":"x"}`, false},
		{"POST", "/v1/auth/login", "application/json; charset=latin1", `{"email":"a@b.c","password":"x"}`, false},
		{"POST", "/v1/auth/register", "application/merge-patch+json", `{"email":"a@b.c","password":"` + strings.Repeat("é", 200) + `"}`, false},
		{"POST", "/v1/auth/register", "application/json", `{"email":1e400,"password":[{}]}`, false},
		{"GET", "/v1/trial-balance?from=2026-01-01&to=2026-03-31", "", "", true},
		{"GET", "/v1/trial-balance?from=2026-13-01&to=2026-03-31&from=x", "", "", true},
		{"GET", "/v1/trial-balance?from=0000-01-01&to=9999-12-31", "", "", true},
		{"POST", "/v1/auth/logout", "", "", true},
		{"DELETE", "/healthz", "", "", false},
		{"GET", "/v1/trial-balance/%2e%2e/", "", "", false},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.contentType, s.body, s.auth)
	}
	var n atomic.Uint32
	f.Fuzz(func(t *testing.T, method, path, contentType, body string, auth bool) {
		req, err := http.NewRequest(method, "http://trialbalance.test"+path, strings.NewReader(body))
		if err != nil || req.URL.Path == "" || !strings.HasPrefix(req.URL.Path, "/") {
			return // not a request a server could receive
		}
		// A new address each time: from one address, every input after
		// the 2,000th would only meet the per-IP limit's 429.
		i := n.Add(1)
		req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:1234", i>>16&255, i>>8&255, i&255)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if auth {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: got %d %s", method, path, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s %q: %d answered as %q", method, path, rec.Code, rec.Header().Get("Content-Type"))
		}
		if strings.Contains(rec.Body.String(), token) {
			t.Fatal("the answer echoes the token")
		}
	})
}

// FuzzLambdaEvent feeds arbitrary invocation payloads to the Lambda
// handler: it must return an HTTP response or lambdahttp.ErrUnknownEvent,
// never panic, and never a 5xx.
func FuzzLambdaEvent(f *testing.F) {
	h, _ := loggedInApp(f, nil)
	lh, err := lambdahttp.New(h, lambdahttp.Config{Logger: discardLogger()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(`{"version":"2.0","rawPath":"/healthz","requestContext":{"http":{"method":"GET","path":"/healthz","sourceIp":"198.51.100.1"}}}`)
	f.Add(`{"httpMethod":"GET","path":"/healthz","requestContext":{"identity":{"sourceIp":"198.51.100.1"}}}`)
	f.Add(`{"version":"2.0","rawPath":"/v1/auth/login","body":"eyJlbWFpbCI6ImFAYi5jIn0=","isBase64Encoded":true,"headers":{"content-type":"application/json"},"requestContext":{"http":{"method":"POST"}}}`)
	f.Add(`{"httpMethod":"POST","path":"/v1/auth/login","body":"{}","multiValueHeaders":{"Content-Type":["application/json","text/plain"]}}`)
	f.Add(`{"httpMethod":"GET","path":"/healthz","headers":{"x-forwarded-for":"198.51.100.1"},"requestContext":{"elb":{"targetGroupArn":"arn"}}}`)
	f.Add(`{"version":"1.0","httpMethod":"GET","path":"%zz"}`)
	f.Add(`{"Records":[]}`)
	f.Fuzz(func(t *testing.T, payload string) {
		out, err := lh.Invoke(context.Background(), []byte(payload))
		if err != nil {
			if !errors.Is(err, lambdahttp.ErrUnknownEvent) {
				t.Fatalf("function error %v", err)
			}
			return
		}
		var res struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		if err := json.Unmarshal(out, &res); err != nil || res.StatusCode == 0 {
			t.Fatalf("answer %s: %v", out, err)
		}
		if res.StatusCode >= 500 {
			t.Fatalf("got %d %s", res.StatusCode, res.Body)
		}
	})
}
