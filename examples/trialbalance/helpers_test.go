package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/problem"
	"github.com/lambdasec/lambdasec/reqlog"
)

// syncBuffer collects log output written from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the JSON log lines written so far.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for l := range strings.Lines(b.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func mapEnv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// randomSecret is a fresh HS256 key, in the form JWT_SECRET takes it.
func randomSecret(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// testServer is the service on embedded defaults (or env) behind an
// httptest server, with its log lines collected.
type testServer struct {
	t      *testing.T
	app    *app
	url    string
	secret string
	logs   *syncBuffer
}

func newTestServer(t *testing.T, env map[string]string) *testServer {
	t.Helper()
	s, err := startTestServer(t, env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startTestServer is newTestServer for goroutines other than the test's:
// it returns the error instead of failing t.
func startTestServer(t *testing.T, env map[string]string) (*testServer, error) {
	if env == nil {
		env = map[string]string{}
	}
	_, secret := env["JWT_SECRET"]
	_, secretID := env["JWT_SECRET_ID"]
	if !secret && !secretID {
		env["JWT_SECRET"] = randomSecret(t)
	}
	cfg, err := loadConfig(mapEnv(env))
	if err != nil {
		return nil, err
	}
	logs := &syncBuffer{}
	log := slog.New(reqlog.NewHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { a.close() })
	srv := httptest.NewServer(a.handler())
	t.Cleanup(srv.Close)
	return &testServer{t: t, app: a, url: srv.URL, secret: env["JWT_SECRET"], logs: logs}, nil
}

// loggedInApp is the service's handler on embedded defaults (or env) with a
// registered account and its token, for fuzzing and benchmarks, which
// drive it in process and discard its log.
func loggedInApp(tb testing.TB, env map[string]string) (http.Handler, string) {
	tb.Helper()
	if env == nil {
		env = map[string]string{}
	}
	env["JWT_SECRET"] = randomSecret(tb)
	cfg, err := loadConfig(mapEnv(env))
	if err != nil {
		tb.Fatal(err)
	}
	a, err := newApp(context.Background(), cfg, discardLogger())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.close() })
	h := a.handler()
	h.ServeHTTP(httptest.NewRecorder(), newRecorderRequest("POST", "/v1/auth/register", credentialsJSON("ada@example.com", goodPassword), "192.0.2.1:1"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, newRecorderRequest("POST", "/v1/auth/login", credentialsJSON("ada@example.com", goodPassword), "192.0.2.1:1"))
	var tok tokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil {
		tb.Fatal(err)
	}
	return h, tok.AccessToken
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request. header holds name, value pairs.
func (s *testServer) do(method, path, body string, header ...string) response {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (s *testServer) post(path, body string, header ...string) response {
	s.t.Helper()
	return s.do(http.MethodPost, path, body, header...)
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func credentialsJSON(email, password string) string {
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	return string(b)
}

// A password that meets password.NIST(): 15 to 128 characters, not
// common, free of the service's and the account's names.
const goodPassword = "Tr1al-Balance!2026"

// otherPassword also meets the policy; a second registration uses it.
const otherPassword = "Second-Ledger#2027"

func (s *testServer) register(email, password string) {
	s.t.Helper()
	if res := s.post("/v1/auth/register", credentialsJSON(email, password)); res.status != http.StatusCreated {
		s.t.Fatalf("register %s: got %d %s", email, res.status, res.body)
	}
}

func (s *testServer) login(email, password string) string {
	s.t.Helper()
	res := s.post("/v1/auth/login", credentialsJSON(email, password))
	if res.status != http.StatusOK {
		s.t.Fatalf("login %s: got %d %s", email, res.status, res.body)
	}
	var tok tokenResponse
	if err := json.Unmarshal(res.body, &tok); err != nil {
		s.t.Fatal(err)
	}
	return tok.AccessToken
}

// problemOf decodes an RFC 9457 body after checking its media type.
func problemOf(t *testing.T, res response) problem.Problem {
	t.Helper()
	if ct := res.header.Get("Content-Type"); ct != problem.ContentType {
		t.Fatalf("status %d: Content-Type %q, want %s; body %s", res.status, ct, problem.ContentType, res.body)
	}
	var p problem.Problem
	dec := json.NewDecoder(bytes.NewReader(res.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body %s: %v", res.body, err)
	}
	if p.Status != res.status || p.Type == "" || p.Title == "" {
		t.Fatalf("problem %+v does not match status %d or lacks type and title", p, res.status)
	}
	return p
}

// fields lists the field names of a problem's errors.
func fields(p problem.Problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// rules lists the "field:rule" pairs of a problem's errors.
func rules(p problem.Problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field+":"+e.Rule)
	}
	return out
}

// newRecorderRequest builds a request for driving the handler in process.
func newRecorderRequest(method, target, body, remote string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	r.RemoteAddr = remote
	return r
}
