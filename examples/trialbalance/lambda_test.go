package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/lambdahttp"
	"github.com/lambdasec/lambdasec/tracing/tracingtest"
)

// apiRequest is one HTTP request as API Gateway would deliver it.
type apiRequest struct {
	method, path, query, body string
	header                    map[string]string
}

func readEvent(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// v2Event is the HTTP API payload 2.0 event for req, built on a recorded
// event so that every field API Gateway sends is there.
func v2Event(t *testing.T, req apiRequest) []byte {
	t.Helper()
	ev := readEvent(t, "apigw-v2-request.json")
	ev["rawPath"] = req.path
	ev["rawQueryString"] = req.query
	delete(ev, "queryStringParameters")
	ev["pathParameters"] = map[string]any{"proxy": strings.TrimPrefix(req.path, "/")}
	headers := ev["headers"].(map[string]any)
	for k, v := range req.header {
		headers[strings.ToLower(k)] = v
	}
	headers["content-length"] = fmt.Sprint(len(req.body))
	rc := ev["requestContext"].(map[string]any)
	rc["http"].(map[string]any)["method"] = req.method
	rc["http"].(map[string]any)["path"] = req.path
	if req.body != "" {
		ev["body"] = req.body
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// v1Event is the REST API (payload 1.0) event for req.
func v1Event(t *testing.T, req apiRequest) []byte {
	t.Helper()
	ev := readEvent(t, "apigw-v1-request.json")
	ev["path"] = req.path
	ev["httpMethod"] = req.method
	ev["requestContext"].(map[string]any)["httpMethod"] = req.method
	ev["pathParameters"] = map[string]any{"proxy": strings.TrimPrefix(req.path, "/")}
	if req.query != "" {
		single, multi := map[string]any{}, map[string]any{}
		for kv := range strings.SplitSeq(req.query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			single[k] = v
			multi[k] = []any{v}
		}
		ev["queryStringParameters"], ev["multiValueQueryStringParameters"] = single, multi
	}
	headers := ev["headers"].(map[string]any)
	multi := ev["multiValueHeaders"].(map[string]any)
	for k, v := range req.header {
		headers[k], multi[k] = v, []any{v}
	}
	if req.body != "" {
		ev["body"] = req.body
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// albEvent is the ALB target group event for req, with single-value
// headers and query, or with multi-value ones when the target group has
// them enabled. The load balancer appends 192.0.2.44 to X-Forwarded-For.
func albEvent(t *testing.T, req apiRequest, multi bool) []byte {
	t.Helper()
	ev := readEvent(t, "alb-request.json")
	ev["httpMethod"], ev["path"] = req.method, req.path
	headers := ev["headers"].(map[string]any)
	for k, v := range req.header {
		headers[strings.ToLower(k)] = v
	}
	query := map[string]any{}
	for kv := range strings.SplitSeq(req.query, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			query[k] = v
		}
	}
	ev["queryStringParameters"] = query
	if multi {
		mh, mq := map[string]any{}, map[string]any{}
		for k, v := range headers {
			mh[k] = []any{v}
		}
		for k, v := range query {
			mq[k] = []any{v}
		}
		delete(ev, "headers")
		delete(ev, "queryStringParameters")
		ev["multiValueHeaders"], ev["multiValueQueryStringParameters"] = mh, mq
	}
	ev["body"] = req.body
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// urlEvent is the Lambda Function URL event for req, from 2001:db8::7.
func urlEvent(t *testing.T, req apiRequest) []byte {
	t.Helper()
	ev := readEvent(t, "lambda-url-request.json")
	ev["rawPath"], ev["rawQueryString"] = req.path, req.query
	headers := ev["headers"].(map[string]any)
	for k, v := range req.header {
		headers[strings.ToLower(k)] = v
	}
	rc := ev["requestContext"].(map[string]any)
	rc["http"].(map[string]any)["method"] = req.method
	rc["http"].(map[string]any)["path"] = req.path
	ev["body"] = req.body
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// otherSourcesScenario logs in and reads the trial balance through an ALB
// target group in both header modes and through a Function URL: the
// same handler answers each in its own format.
func otherSourcesScenario(t *testing.T, invoke invoker) {
	json := map[string]string{"Content-Type": "application/json"}
	email := fmt.Sprintf("sources-%d@example.com", time.Now().UnixNano())
	creds := credentialsJSON(email, goodPassword)
	if res := v2Call(t, invoke, apiRequest{method: "POST", path: "/v1/auth/register", body: creds, header: json}); res.StatusCode != http.StatusCreated {
		t.Fatalf("register: got %d %s", res.StatusCode, res.Body)
	}
	type answer struct {
		StatusCode        int                 `json:"statusCode"`
		StatusDescription string              `json:"statusDescription"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Body              string              `json:"body"`
	}
	call := func(name string, event []byte) answer {
		t.Helper()
		var res answer
		out := invoke(t, event)
		if err := jsonUnmarshal(string(out), &res); err != nil || res.StatusCode == 0 {
			t.Fatalf("%s: answer %s (%v)", name, out, err)
		}
		return res
	}
	for _, src := range []struct {
		name  string
		event func(apiRequest) []byte
		alb   bool
		multi bool
	}{
		{"ALB", func(r apiRequest) []byte { return albEvent(t, r, false) }, true, false},
		{"ALB multi-value", func(r apiRequest) []byte { return albEvent(t, r, true) }, true, true},
		{"Function URL", func(r apiRequest) []byte { return urlEvent(t, r) }, false, false},
	} {
		login := call(src.name+" login", src.event(apiRequest{method: "POST", path: "/v1/auth/login", body: creds, header: json}))
		if login.StatusCode != http.StatusOK {
			t.Fatalf("%s login: got %d %s", src.name, login.StatusCode, login.Body)
		}
		var tok tokenResponse
		if err := jsonUnmarshal(login.Body, &tok); err != nil || tok.AccessToken == "" {
			t.Fatalf("%s login body %s: %v", src.name, login.Body, err)
		}
		res := call(src.name+" trial balance", src.event(apiRequest{method: "GET", path: "/v1/trial-balance",
			query: "from=2026-01-01&to=2026-03-31", header: map[string]string{"Authorization": "Bearer " + tok.AccessToken}}))
		contentType := res.Headers["Content-Type"]
		if src.multi {
			contentType = strings.Join(res.MultiValueHeaders["Content-Type"], ",")
			if res.Headers != nil {
				t.Errorf("%s: answered with single-value headers too", src.name)
			}
		}
		if res.StatusCode != http.StatusOK || contentType != "application/json" ||
			!strings.Contains(res.Body, `"total_debit":82001.39,"total_credit":82001.39`) {
			t.Fatalf("%s trial balance: got %d %q %s", src.name, res.StatusCode, contentType, res.Body)
		}
		if src.alb && res.StatusDescription != "200 OK" {
			t.Errorf("%s statusDescription %q, want 200 OK", src.name, res.StatusDescription)
		}
	}
}

// invoker sends one event payload to the function and returns its answer.
type invoker func(t *testing.T, payload []byte) []byte

func v2Call(t *testing.T, invoke invoker, req apiRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	var res events.APIGatewayV2HTTPResponse
	out := invoke(t, v2Event(t, req))
	if err := json.Unmarshal(out, &res); err != nil || res.StatusCode == 0 {
		t.Fatalf("%s %s: answer %s is not an HTTP API response (%v)", req.method, req.path, out, err)
	}
	return res
}

// lambdaScenario drives register, login, trial balance, logout and a
// refused token through API Gateway events, then the REST API format.
func lambdaScenario(t *testing.T, invoke invoker) {
	json := map[string]string{"Content-Type": "application/json"}
	email := fmt.Sprintf("lambda-%d@example.com", time.Now().UnixNano())
	creds := credentialsJSON(email, goodPassword)

	res := v2Call(t, invoke, apiRequest{method: "POST", path: "/v1/auth/register", body: creds, header: json})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("register: got %d %s", res.StatusCode, res.Body)
	}
	res = v2Call(t, invoke, apiRequest{method: "POST", path: "/v1/auth/login", body: creds, header: json})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login: got %d %s", res.StatusCode, res.Body)
	}
	var tok tokenResponse
	if err := jsonUnmarshal(res.Body, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("login body %s: %v", res.Body, err)
	}
	auth := map[string]string{"Authorization": "Bearer " + tok.AccessToken}

	res = v2Call(t, invoke, apiRequest{method: "GET", path: "/v1/trial-balance", query: "from=2026-01-01&to=2026-03-31", header: auth})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"total_debit":82001.39,"total_credit":82001.39`) {
		t.Fatalf("trial balance: got %d %s", res.StatusCode, res.Body)
	}
	if res.Headers["Content-Type"] != "application/json" {
		t.Errorf("trial balance Content-Type %q", res.Headers["Content-Type"])
	}
	res = v2Call(t, invoke, apiRequest{method: "GET", path: "/v1/trial-balance", query: "from=2026-04-01&to=2026-03-31", header: auth})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"to"`) {
		t.Errorf("from after to: got %d %s", res.StatusCode, res.Body)
	}

	res = v2Call(t, invoke, apiRequest{method: "POST", path: "/v1/auth/logout", header: auth})
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: got %d %s", res.StatusCode, res.Body)
	}
	res = v2Call(t, invoke, apiRequest{method: "GET", path: "/v1/trial-balance", query: "from=2026-01-01&to=2026-03-31", header: auth})
	if res.StatusCode != http.StatusUnauthorized || res.Headers["Www-Authenticate"] != `Bearer error="invalid_token"` {
		t.Fatalf("revoked token: got %d %v %s", res.StatusCode, res.Headers, res.Body)
	}
	res = v2Call(t, invoke, apiRequest{method: "GET", path: "/v1/trial-balance", query: "from=2026-01-01&to=2026-03-31",
		header: map[string]string{"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ."}})
	if res.StatusCode != http.StatusUnauthorized || res.Headers["Content-Type"] != "application/problem+json" {
		t.Fatalf("forged token: got %d %v %s", res.StatusCode, res.Headers, res.Body)
	}

	// The same binary answers REST API (payload 1.0) events.
	var v1 events.APIGatewayProxyResponse
	out := invoke(t, v1Event(t, apiRequest{method: "GET", path: "/healthz"}))
	if err := jsonUnmarshal(string(out), &v1); err != nil || v1.StatusCode != http.StatusOK {
		t.Fatalf("REST healthz: got %s (%v)", out, err)
	}
	out = invoke(t, v1Event(t, apiRequest{method: "POST", path: "/v1/auth/login", body: creds, header: json}))
	if err := jsonUnmarshal(string(out), &v1); err != nil || v1.StatusCode != http.StatusOK || !strings.Contains(v1.Body, `"token_type":"Bearer"`) {
		t.Fatalf("REST login: got %s (%v)", out, err)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// inProcess invokes the Lambda handler directly, with ctx as the
// invocation context.
func inProcess(t *testing.T, ctx context.Context, h http.Handler) invoker {
	fn, err := lambdahttp.New(h, lambdahttp.Config{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T, payload []byte) []byte {
		t.Helper()
		out, err := fn.Invoke(ctx, payload)
		if err != nil {
			t.Fatalf("invoke: %v", err)
		}
		return out
	}
}

func TestLambdaHandler(t *testing.T) {
	s := newTestServer(t, nil)
	lambdaScenario(t, inProcess(t, context.Background(), s.app.handler()))
	otherSourcesScenario(t, inProcess(t, context.Background(), s.app.handler()))
}

// TestLambdaHandlerRefusesOtherEvents: events that are not HTTP requests
// are function errors; HTTP events too malformed to serve get a 400 in
// their own format.
func TestLambdaHandlerRefusesOtherEvents(t *testing.T) {
	s := newTestServer(t, nil)
	fn, err := lambdahttp.New(s.app.handler(), lambdahttp.Config{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	for _, payload := range []string{`{}`, `[]`, `"x"`, `{"Records":[{"eventSource":"aws:sqs"}]}`} {
		if _, err := fn.Invoke(context.Background(), []byte(payload)); !errors.Is(err, lambdahttp.ErrUnknownEvent) {
			t.Errorf("%s: got %v, want ErrUnknownEvent", payload, err)
		}
	}
	for _, payload := range []string{`{"version":"2.0","headers":7}`, `{"httpMethod":5}`, `{"httpMethod":"GET","path":"/healthz"}`} {
		out, err := fn.Invoke(context.Background(), []byte(payload))
		var res struct {
			StatusCode int `json:"statusCode"`
		}
		if err != nil || json.Unmarshal(out, &res) != nil || res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got %s, %v; want a 400 answer", payload, out, err)
		}
	}
}

// TestLambdaTracing: inside Lambda each request is a subsegment of
// Lambda's own segment, and the access log carries Lambda's trace id.
func TestLambdaTracing(t *testing.T) {
	d := tracingtest.NewDaemon(t)
	s := newTestServer(t, map[string]string{"AWS_XRAY_DAEMON_ADDRESS": d.Addr()})
	const root, parent = "1-6745a1b2-0123456789abcdef01234567", "53995c3f42cd8ad8"
	ctx := tracingtest.LambdaContext(context.Background(), root, parent, true)
	invoke := inProcess(t, ctx, s.app.handler())
	if res := v2Call(t, invoke, apiRequest{method: "GET", path: "/healthz"}); res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: got %d", res.StatusCode)
	}
	docs := d.Documents()
	if len(docs) == 0 {
		t.Fatal("no trace documents")
	}
	for _, doc := range docs {
		if doc.TraceID != root {
			t.Errorf("document trace id %q, want Lambda's %q", doc.TraceID, root)
		}
	}
	if docs[0].Type != "subsegment" || docs[0].Name != "GET /healthz" {
		t.Errorf("request document %q of type %q, want the subsegment GET /healthz", docs[0].Name, docs[0].Type)
	}
	if docs[0].ParentID != parent {
		t.Errorf("request subsegment parent %q, want Lambda's segment %q", docs[0].ParentID, parent)
	}
	found := false
	for _, l := range s.logs.lines(t) {
		if l["msg"] == "request" {
			found = true
			if l["xray_trace_id"] != root || l["request_id"] != "CxYz1hZ4IAMEVdw=" {
				t.Errorf("access log %v: want xray_trace_id %s and the API Gateway request id", l, root)
			}
		}
	}
	if !found {
		t.Error("no access log line")
	}
}

// TestLambdaRuntimeEmulator builds the real bootstrap for provided.al2023
// (linux, -tags lambda.norpc), runs it under the Lambda Runtime Interface
// Emulator on loopback with the real Redis, and drives it with API Gateway
// (REST and HTTP API), ALB (both header modes) and Function URL events
// posted to the emulator's invoke URL.
func TestLambdaRuntimeEmulator(t *testing.T) {
	testenv.LambdaRIE(t)
	redisAddr := testenv.RedisAddr(t)
	fn := testenv.StartLambda(t, ".",
		"JWT_SECRET="+randomSecret(t),
		"REDIS_ADDR="+redisAddr,
		"REDIS_KEY_PREFIX="+fmt.Sprintf("test:trialbalance:rie:%d:", time.Now().UnixNano()),
		"AWS_LAMBDA_FUNCTION_NAME=trialbalance",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=60",
		"AWS_REGION=us-east-1",
	)
	invoke := func(t *testing.T, payload []byte) []byte { return fn.Invoke(t, payload) }
	lambdaScenario(t, invoke)
	otherSourcesScenario(t, invoke)

	// The access log lines reached the function's stdout as JSON.
	if logs := fn.Logs(); !strings.Contains(logs, `"msg":"request"`) || !strings.Contains(logs, `"request_id":"CxYz1hZ4IAMEVdw="`) {
		t.Errorf("no access log lines in the function output:\n%s", logs)
	}
	// Security events reached stdout as JSON lines carrying the
	// invocation, and their counts as Embedded Metric Format documents.
	checkEmulatorEvents(t, fn.Logs())
	// The client address is the event's source IP, or for ALB the entry
	// the load balancer appended to X-Forwarded-For.
	for _, ip := range []string{`"client_ip":"198.51.100.10"`, `"client_ip":"198.51.100.20"`, `"client_ip":"192.0.2.44"`, `"client_ip":"2001:db8::7"`} {
		if !strings.Contains(fn.Logs(), ip) {
			t.Errorf("no access log line with %s", ip)
		}
	}
}

// TestLocalTracing: outside Lambda, with a daemon address, each request is
// a segment continuing the caller's trace, its Redis calls are
// subsegments, and the access log carries the trace id.
func TestLocalTracing(t *testing.T) {
	d := tracingtest.NewDaemon(t)
	s := newTestServer(t, map[string]string{"AWS_XRAY_DAEMON_ADDRESS": d.Addr()})
	const root = "1-6745a1b2-89abcdef0123456789abcdef"
	res := s.post("/v1/auth/login", credentialsJSON("ada@example.com", goodPassword),
		"X-Amzn-Trace-Id", "Root="+root+";Parent=1111222233334444;Sampled=1")
	if res.status != http.StatusUnauthorized {
		t.Fatalf("login: got %d", res.status)
	}
	docs := d.Documents()
	if len(docs) != 1 {
		t.Fatalf("%d documents, want one segment", len(docs))
	}
	seg := docs[0]
	if seg.Type != "" || seg.TraceID != root || seg.Name != "trialbalance" || seg.Annotations["route"] != "POST /v1/auth/login" {
		t.Errorf("segment %s trace %s type %q annotations %v: want the trialbalance segment of trace %s for POST /v1/auth/login",
			seg.Name, seg.TraceID, seg.Type, seg.Annotations, root)
	}
	remote := 0
	for _, sub := range seg.Subsegments {
		if sub.Namespace == "remote" {
			remote++
		}
	}
	if remote == 0 {
		t.Errorf("no remote (Redis) subsegments in %+v", seg.Subsegments)
	}
	for _, l := range s.logs.lines(t) {
		if l["msg"] == "request" && l["xray_trace_id"] != root {
			t.Errorf("access log xray_trace_id %v, want %s", l["xray_trace_id"], root)
		}
	}
}

// checkEmulatorEvents finds, in the function's output under the emulator,
// the security events of lambdaScenario as JSON lines with the Lambda
// request id and the cold-start flag, and EMF documents counting them.
func checkEmulatorEvents(t *testing.T, logs string) {
	t.Helper()
	seen := map[string]bool{}
	emf := false
	for line := range strings.SplitSeq(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		if _, ok := m["_aws"]; ok {
			emf = true
		}
		name, _ := m["event"].(string)
		seen[name] = true
		if name == "" || strings.HasPrefix(name, "sys_") { // init-time events belong to no request
			continue
		}
		if _, ok := m["function_request_id"]; !ok {
			t.Errorf("event line without function_request_id: %s", line)
		}
		if _, ok := m["cold_start"]; !ok {
			t.Errorf("event line without cold_start: %s", line)
		}
	}
	for _, name := range []string{"user_created", "authn_login_success", "authn_token_created", "authn_token_revoked", "authn_token_invalid"} {
		if !seen[name] {
			t.Errorf("no %s event in the function output (saw %v)", name, seen)
		}
	}
	if !emf {
		t.Error("no Embedded Metric Format document in the function output")
	}
}
