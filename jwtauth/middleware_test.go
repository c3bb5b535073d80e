package jwtauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/problem"
)

// whoami answers with the subject from the context.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, ok := FromContext(r.Context())
	if !ok {
		http.Error(w, "no claims", http.StatusInternalServerError)
		return
	}
	fmt.Fprint(w, c.Subject)
})

type response struct {
	code  int
	www   string
	retry string
	body  string
}

func serve(h http.Handler, r *http.Request) response {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return response{rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Header().Get("Retry-After"), rec.Body.String()}
}

func withAuth(vals ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/me", nil)
	for _, v := range vals {
		r.Header.Add("Authorization", v)
	}
	return r
}

// failingRevoker fails every call.
type failingRevoker struct{}

func (failingRevoker) RevokeToken(context.Context, Claims, time.Time) error {
	return errors.New("down")
}
func (failingRevoker) RevokeSubject(context.Context, string, string, time.Time, time.Time) error {
	return errors.New("down")
}
func (failingRevoker) RevokeFamily(context.Context, string, string, string, time.Time) error {
	return errors.New("down")
}
func (failingRevoker) Revoked(context.Context, Claims) (bool, error) {
	return false, errors.New("down")
}

func TestMiddleware(t *testing.T) {
	clk := newClock()
	cfg := testConfig(clk)
	cfg.Logger = slog.New(slog.DiscardHandler)
	a := mustAuth(t, cfg)
	tok, _, _ := a.Issue(Grant{Subject: "alice"})
	clk.Advance(20 * time.Minute)
	expired := tok
	clk.Advance(-20 * time.Minute)
	h, p, _ := splitT(tok)
	forged := h + "." + p + "." + b64("0123456789abcdef0123456789abcdef")

	cookieCfg := cfg
	cookieCfg.Cookie = "session"
	withCookie := mustAuth(t, cookieCfg)

	down := cfg
	down.Revoker = failingRevoker{}
	downAuth := mustAuth(t, down)

	cookieReq := func(vals ...string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/me", nil)
		for _, v := range vals {
			r.AddCookie(&http.Cookie{Name: "session", Value: v})
		}
		return r
	}
	const invalid = `Bearer error="invalid_token"`
	tests := []struct {
		name     string
		a        *Authenticator
		req      *http.Request
		wantCode int
		wantWWW  string
	}{
		{"valid", a, withAuth("Bearer " + tok), 200, ""},
		// RFC 6750 §2.1 / RFC 9110 §11.1: the scheme is case-insensitive.
		{"lower-case scheme", a, withAuth("bearer " + tok), 200, ""},
		// RFC 6750 §3.1: no credentials, no error code.
		{"no header", a, withAuth(), 401, "Bearer"},
		{"other scheme", a, withAuth("Basic YWxpY2U6cHc="), 401, "Bearer"},
		{"empty bearer", a, withAuth("Bearer "), 401, invalid},
		{"forged", a, withAuth("Bearer " + forged), 401, invalid},
		{"garbage", a, withAuth("Bearer not-a-jwt"), 401, invalid},
		// Ambiguous credentials are refused, not chosen between.
		{"two headers", a, withAuth("Bearer "+tok, "Bearer "+forged), 401, invalid},
		// Tokens in URLs leak into logs and Referer (RFC 6750 §5.3).
		{"query string ignored", a, httptest.NewRequest(http.MethodGet, "/me?access_token="+tok, nil), 401, "Bearer"},
		{"cookie when not configured", a, cookieReq(tok), 401, "Bearer"},
		{"cookie", withCookie, cookieReq(tok), 200, ""},
		{"two cookies", withCookie, cookieReq(tok, forged), 401, invalid},
		{"header wins over cookie", withCookie, func() *http.Request {
			r := cookieReq(forged)
			r.Header.Set("Authorization", "Bearer "+tok)
			return r
		}(), 200, ""},
		{"revocation store down", downAuth, withAuth("Bearer " + tok), 503, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := serve(tc.a.Handler(whoami), tc.req)
			if got.code != tc.wantCode || got.www != tc.wantWWW {
				t.Fatalf("got %d %q, want %d %q (body %s)", got.code, got.www, tc.wantCode, tc.wantWWW, got.body)
			}
			if got.code == http.StatusServiceUnavailable && got.retry != "1" {
				t.Errorf("503 without Retry-After")
			}
			if got.code == 200 {
				if got.body != "alice" {
					t.Errorf("body: got %q", got.body)
				}
				return
			}
			var pd problem.Problem
			if err := json.Unmarshal([]byte(got.body), &pd); err != nil || pd.Status != tc.wantCode {
				t.Errorf("body is not a problem document: %s", got.body)
			}
		})
	}

	// An expired token and a forged one get byte-identical answers.
	clk.Advance(20 * time.Minute)
	e := serve(a.Handler(whoami), withAuth("Bearer "+expired))
	f := serve(a.Handler(whoami), withAuth("Bearer "+forged))
	if e != f {
		t.Errorf("expired and forged answers differ:\n%+v\n%+v", e, f)
	}
}

func TestMiddlewareLogsCauseNotToken(t *testing.T) {
	clk := newClock()
	var buf bytes.Buffer
	cfg := testConfig(clk)
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := mustAuth(t, cfg)
	tok, _, _ := a.Issue(Grant{Subject: "alice"})
	clk.Advance(time.Hour)
	serve(a.Handler(whoami), withAuth("Bearer "+tok))
	log := buf.String()
	if !strings.Contains(log, "token expired") {
		t.Errorf("log lacks the cause: %s", log)
	}
	if strings.Contains(log, tok[len(tok)-20:]) {
		t.Errorf("log contains the token: %s", log)
	}
	if !strings.Contains(log, "level=INFO") {
		t.Errorf("invalid token not logged at Info: %s", log)
	}
	// A missing token is the normal first request of a client: Debug.
	buf.Reset()
	serve(a.Handler(whoami), withAuth())
	if log := buf.String(); !strings.Contains(log, "level=DEBUG") || !strings.Contains(log, "no token") {
		t.Errorf("missing token not logged at Debug: %s", log)
	}
}

func TestErrorHandler(t *testing.T) {
	cfg := testConfig(newClock())
	var got error
	cfg.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	a := mustAuth(t, cfg)
	if r := serve(a.Handler(whoami), withAuth()); r.code != http.StatusTeapot || !errors.Is(got, ErrTokenMissing) {
		t.Errorf("got %d %v", r.code, got)
	}
}

func TestRequireScopes(t *testing.T) {
	cfg := testConfig(newClock())
	cfg.Logger = slog.New(slog.DiscardHandler)
	a := mustAuth(t, cfg)
	reader, _, _ := a.Issue(Grant{Subject: "alice", Scopes: []string{"ledger:read"}})
	writer, _, _ := a.Issue(Grant{Subject: "alice", Scopes: []string{"ledger:read", "ledger:write"}})
	chained := a.Handler(a.RequireScopes("ledger:write")(whoami))
	alone := a.RequireScopes("ledger:write")(whoami)
	tests := []struct {
		name     string
		h        http.Handler
		tok      string
		wantCode int
		wantWWW  string
	}{
		{"chained, has scope", chained, writer, 200, ""},
		// RFC 6750 §3.1: insufficient_scope is 403.
		{"chained, lacks scope", chained, reader, 403, `Bearer error="insufficient_scope"`},
		{"alone, has scope", alone, writer, 200, ""},
		{"alone, lacks scope", alone, reader, 403, `Bearer error="insufficient_scope"`},
		{"alone, no token", alone, "", 401, "Bearer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := withAuth()
			if tc.tok != "" {
				r = withAuth("Bearer " + tc.tok)
			}
			got := serve(tc.h, r)
			if got.code != tc.wantCode || got.www != tc.wantWWW {
				t.Fatalf("got %d %q, want %d %q", got.code, got.www, tc.wantCode, tc.wantWWW)
			}
		})
	}
}

func TestLogoutAndRevokeSubject(t *testing.T) {
	clk := newClock()
	cfg := testConfig(clk)
	cfg.Revoker = &MemoryRevoker{Now: clk.Now}
	cfg.Logger = slog.New(slog.DiscardHandler)
	a := mustAuth(t, cfg)
	phone, _, _ := a.Issue(Grant{Subject: "alice"})
	laptop, _, _ := a.Issue(Grant{Subject: "alice"})
	bob, _, _ := a.Issue(Grant{Subject: "bob"})

	logout := a.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.Logout(r); err != nil {
			t.Errorf("Logout: %v", err)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	if r := serve(logout, withAuth("Bearer "+phone)); r.code != 204 {
		t.Fatalf("logout: got %d", r.code)
	}
	check := func(name, tok string, want int) {
		t.Helper()
		if got := serve(a.Handler(whoami), withAuth("Bearer "+tok)); got.code != want {
			t.Errorf("%s: got %d, want %d", name, got.code, want)
		}
	}
	check("logged-out token", phone, 401)
	check("other token of the same user", laptop, 200)

	// Logout without the middleware authenticates the request itself.
	if err := a.Logout(withAuth("Bearer " + laptop)); err != nil {
		t.Fatal(err)
	}
	check("laptop after direct logout", laptop, 401)
	if err := a.Logout(withAuth()); !errors.Is(err, ErrTokenMissing) {
		t.Errorf("logout without token: got %v", err)
	}

	clk.Advance(time.Second)
	again, _, _ := a.Issue(Grant{Subject: "alice"})
	if err := a.RevokeSubject(context.Background(), "alice"); err != nil {
		t.Fatal(err)
	}
	check("token issued before logout everywhere", again, 401)
	check("other user", bob, 200)
	sameSecond, _, _ := a.Issue(Grant{Subject: "alice"})
	check("token issued in the same second as logout everywhere", sameSecond, 401)
	clk.Advance(time.Second)
	fresh, _, _ := a.Issue(Grant{Subject: "alice"})
	check("token issued after logout everywhere", fresh, 200)

	noRev := mustAuth(t, testConfig(clk))
	if err := noRev.RevokeSubject(context.Background(), "alice"); !errors.Is(err, ErrNoRevoker) {
		t.Errorf("no revoker: got %v", err)
	}
	if err := a.Revoke(context.Background(), Claims{Subject: "x"}); !errors.Is(err, ErrInvalidClaims) {
		t.Errorf("revoke without jti: got %v", err)
	}
}

// Tokens without jti or iat cannot be revoked, so they are refused when a
// revoker is configured.
func TestRevokerRequiresJTIAndIAT(t *testing.T) {
	clk := newClock()
	cfg := testConfig(clk)
	cfg.Revoker = &MemoryRevoker{Now: clk.Now}
	a := mustAuth(t, cfg)
	for _, mod := range []string{"-jti", "-iat"} {
		tok := forge(t, hsKey(), hdr("HS256", "hs"), payload(mod))
		if _, err := a.Verify(context.Background(), tok); !errors.Is(err, ErrClaimMissing) {
			t.Errorf("%s: got %v, want ErrClaimMissing", mod, err)
		}
	}
}

// Verify, Revoke and RevokeSubject from many goroutines at once (run with
// -race).
func TestConcurrentVerifyRevoke(t *testing.T) {
	clk := newClock()
	cfg := testConfig(clk)
	cfg.Revoker = &MemoryRevoker{Now: clk.Now}
	cfg.Logger = slog.New(slog.DiscardHandler)
	a := mustAuth(t, cfg)
	h := a.Handler(whoami)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sub := fmt.Sprintf("user-%d", i%4)
			for range 50 {
				tok, c, err := a.Issue(Grant{Subject: sub})
				if err != nil {
					t.Error(err)
					return
				}
				serve(h, withAuth("Bearer "+tok))
				if err := a.Revoke(context.Background(), c); err != nil {
					t.Error(err)
				}
				if _, err := a.Verify(context.Background(), tok); !errors.Is(err, ErrTokenRevoked) {
					t.Errorf("after revoke: got %v", err)
				}
				if i%4 == 0 {
					_ = a.RevokeSubject(context.Background(), sub)
				}
			}
		}()
	}
	wg.Wait()
}
