package jwtauth

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/secevent"

	"github.com/lambdasec/lambdasec/internal/eventtest"
)

// Each refusal reports one event named by the OWASP vocabulary, with the
// caller's address, the route and the reason; a request without a token
// reports none, and no event holds the token.
func TestRefusalEvents(t *testing.T) {
	clk := newClock()
	events := &eventtest.Recorder{}
	cfg := testConfig(clk, hsKey())
	cfg.Events = events
	a := mustAuth(t, cfg)
	valid, _, err := a.Issue(Grant{Subject: "alice", Scopes: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	past := newClock()
	past.Set(clk.Now().Add(-48 * time.Hour))
	expired, _, err := mustAuth(t, testConfig(past, hsKey())).Issue(Grant{Subject: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ledger/{id}", a.Handler(a.RequireScopes("write")(http.NotFoundHandler())))
	for _, tc := range []struct {
		name, token string
		want        secevent.Event
	}{
		{"no token", "", secevent.Event{}},
		{"garbage", "abc.def.ghi", secevent.Event{Name: secevent.AuthnTokenInvalid, Reason: "malformed"}},
		{"expired", expired, secevent.Event{Name: secevent.AuthnTokenInvalid, Reason: "expired"}},
		{"tampered", valid[:len(valid)-2] + "AA", secevent.Event{Name: secevent.AuthnTokenInvalid, Reason: "signature"}},
		{"missing scope", valid, secevent.Event{Name: secevent.AuthzFail, Reason: "missing_scope", UserID: "alice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events.Take()
			r := httptest.NewRequest("GET", "/ledger/7", nil)
			r.RemoteAddr = "198.51.100.9:4242"
			if tc.token != "" {
				r.Header.Set("Authorization", "Bearer "+tc.token)
			}
			mux.ServeHTTP(httptest.NewRecorder(), r)
			evs := events.Take()
			if tc.want.Name == "" {
				if len(evs) != 0 {
					t.Fatalf("got %v, want no event", evs)
				}
				return
			}
			if len(evs) != 1 {
				t.Fatalf("got %d events %v, want 1", len(evs), evs)
			}
			e := evs[0]
			if e.Name != tc.want.Name || e.Reason != tc.want.Reason || e.UserID != tc.want.UserID ||
				e.ClientIP != "198.51.100.9" || e.Route != "GET /ledger/{id}" {
				t.Errorf("got %+v, want %+v from 198.51.100.9 on GET /ledger/{id}", e, tc.want)
			}
			if tc.token != "" && strings.Contains(fmt.Sprintf("%+v", e), tc.token[strings.LastIndexByte(tc.token, '.')+1:]) {
				t.Errorf("the event holds the token: %+v", e)
			}
		})
	}
}
