package jwtauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

type verifyFunc func(context.Context, string) (Claims, error)

func (f verifyFunc) Verify(ctx context.Context, tok string) (Claims, error) { return f(ctx, tok) }

// HandlerFor takes the token as Handler does, hands it to v alone, and
// answers v's refusals through the Authenticator's ErrorHandler.
func TestHandlerFor(t *testing.T) {
	clk := newClock()
	var refused error
	cfg := testConfig(clk, hsKey())
	cfg.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		refused = err
		WriteError(w, r, err)
	}
	a := mustAuth(t, cfg)
	own, _, err := a.Issue(Grant{Subject: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	other := verifyFunc(func(_ context.Context, tok string) (Claims, error) {
		if tok == "partner-token" {
			return Claims{Subject: "bob", Issuer: "partner"}, nil
		}
		return Claims{}, ErrTokenExpired
	})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := FromContext(r.Context())
		_, _ = w.Write([]byte(c.Subject))
	})
	for _, tc := range []struct {
		name   string
		v      Verifier
		header string
		code   int
		body   string
		err    error
	}{
		{"partner token", other, "Bearer partner-token", 200, "bob", nil},
		{"own token not accepted by v", other, "Bearer " + own, 401, "", ErrTokenExpired},
		{"no token", other, "", 401, "", ErrTokenMissing},
		{"two headers", other, "two", 401, "", ErrTokenMalformed},
		{"nil v is a", nil, "Bearer " + own, 200, "alice", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused = nil
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			switch tc.header {
			case "":
			case "two":
				r.Header.Add("Authorization", "Bearer a")
				r.Header.Add("Authorization", "Bearer b")
			default:
				r.Header.Set("Authorization", tc.header)
			}
			rec := httptest.NewRecorder()
			a.HandlerFor(tc.v)(next).ServeHTTP(rec, r)
			if rec.Code != tc.code || (tc.body != "" && rec.Body.String() != tc.body) {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body, tc.code, tc.body)
			}
			if !errors.Is(refused, tc.err) || (tc.err == nil) != (refused == nil) {
				t.Errorf("ErrorHandler got %v, want %v", refused, tc.err)
			}
		})
	}
}
