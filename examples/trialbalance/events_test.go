package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestBruteForceIsVisible: an operator can tell from the service's log
// lines and metrics alone which accounts are being brute-forced right now,
// and from where.
func TestBruteForceIsVisible(t *testing.T) {
	cfg, err := loadConfig(mapEnv(map[string]string{"JWT_SECRET": randomSecret(t)}))
	if err != nil {
		t.Fatal(err)
	}
	var emf syncBuffer
	cfg.metricsOut = &emf
	logs := &syncBuffer{}
	a, err := newApp(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	h := a.handler()
	do := func(path, body, from string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, newRecorderRequest("POST", path, body, from+":4711"))
		return rec.Code
	}
	for _, u := range []string{"ada@example.com", "bob@example.com"} {
		if code := do("/v1/auth/register", credentialsJSON(u, goodPassword), "192.0.2.1"); code != http.StatusCreated {
			t.Fatalf("register %s: %d", u, code)
		}
	}
	attacks := map[[2]string]int{
		{"ada@example.com", "203.0.113.1"}:  4,
		{"ada@example.com", "203.0.113.2"}:  3,
		{"bob@example.com", "198.51.100.7"}: 2,
		{"eve@example.com", "198.51.100.7"}: 1, // no such account: counted alike
	}
	for k, n := range attacks {
		for i := range n {
			if code := do("/v1/auth/login", credentialsJSON(k[0], fmt.Sprintf("Wrong-guess-%d!", i)), k[1]); code != http.StatusUnauthorized {
				t.Fatalf("wrong password: %d", code)
			}
		}
	}
	if code := do("/v1/auth/login", credentialsJSON("bob@example.com", goodPassword), "192.0.2.1"); code != http.StatusOK {
		t.Fatalf("good login: %d", code)
	}

	// The log query: filter event = "authn_login_fail" | stats count(*) by user_id, client_ip
	got := map[[2]string]int{}
	events := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		name, _ := line["event"].(string)
		events[name]++
		if name == "authn_login_fail" {
			if line["route"] != "POST /v1/auth/login" || line["level"] != "WARN" {
				t.Errorf("line %v", line)
			}
			got[[2]string{fmt.Sprint(line["user_id"]), fmt.Sprint(line["client_ip"])}]++
		}
	}
	for k, n := range attacks {
		if got[k] != n {
			t.Errorf("%s from %s: %d failures in the log, want %d", k[0], k[1], got[k], n)
		}
	}
	for _, name := range []string{"sys_startup", "user_created", "authn_login_success", "authn_token_created"} {
		if events[name] == 0 {
			t.Errorf("no %s event in the log", name)
		}
	}
	if strings.Contains(logs.String(), "Wrong-guess") || strings.Contains(logs.String(), goodPassword) {
		t.Fatal("a password reached the log")
	}

	// The metric the failed-login alarm watches.
	if err := a.metrics.Flush(); err != nil {
		t.Fatal(err)
	}
	total := 0.0
	sc = bufio.NewScanner(strings.NewReader(emf.String()))
	for sc.Scan() {
		var doc map[string]any
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		meta := doc["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
		if meta["Namespace"] != metricsNamespace {
			t.Fatalf("namespace %v", meta["Namespace"])
		}
		if _, perRoute := doc["route"]; !perRoute {
			total += doc["authn_login_fail"].(float64)
		}
	}
	if total != 10 {
		t.Fatalf("authn_login_fail counted %v, want 10:\n%s", total, emf.String())
	}
}

// TestSecurityEventsOverHTTP: the other events of the service, through a
// real listener.
func TestSecurityEventsOverHTTP(t *testing.T) {
	s := newTestServer(t, nil)
	s.register("ada@example.com", goodPassword)
	tok := s.login("ada@example.com", goodPassword)
	s.do(http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-03-31", "", bearer("not-a-token")...)
	s.do(http.MethodGet, "/v1/trial-balance?from=nope", "", bearer(tok)...)
	s.post("/v1/auth/logout", "", bearer(tok)...)
	s.do(http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-03-31", "", bearer(tok)...) // revoked now
	s.post("/v1/auth/login", `{"email":`)
	deadline := time.Now().Add(5 * time.Second)
	for {
		logs := s.logs.String()
		missing := ""
		for _, want := range []string{
			`"event":"authn_token_invalid"`, `"reason":"revoked"`, `"event":"input_validation_fail"`,
			`"event":"authn_token_revoked"`, `"event":"user_created"`,
		} {
			if !strings.Contains(logs, want) {
				missing = want
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the log:\n%s", missing, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if bytes.Contains([]byte(s.logs.String()), []byte(tok)) {
		t.Fatal("a token reached the log")
	}
}
