package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/jwtauth"
)

// The tests in this file drive the service through HTTP on its embedded
// defaults (in-process Redis, in-memory store), one per endpoint behaviour
// of the contract in main.go's doc comment.

func TestHealthz(t *testing.T) {
	s := newTestServer(t, nil)
	res := s.do(http.MethodGet, "/healthz", "")
	if res.status != http.StatusOK {
		t.Fatalf("got %d, want 200", res.status)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q, want nosniff on JSON answers too", got)
	}
}

func TestRegister(t *testing.T) {
	s := newTestServer(t, nil)
	long := strings.Repeat("a", 243) + "@example.com" // 255 characters
	tests := []struct {
		name   string
		body   string
		status int
		// rules are the field:rule pairs the 422 lists, in order.
		rules []string
	}{
		{name: "created", body: credentialsJSON("ada@example.com", goodPassword), status: http.StatusCreated},
		// Emails differing in case are one account. A taken address gets
		// the same answer as a free one: registration must not tell an
		// attacker which addresses have accounts.
		{name: "taken", body: credentialsJSON("Ada@Example.com", goodPassword), status: http.StatusCreated},
		{name: "invalid email", body: credentialsJSON("ada.example.com", goodPassword), status: http.StatusUnprocessableEntity, rules: []string{"email:email"}},
		{name: "email over 254 characters", body: credentialsJSON(long, goodPassword), status: http.StatusUnprocessableEntity, rules: []string{"email:max"}},
		{name: "missing fields", body: `{}`, status: http.StatusUnprocessableEntity, rules: []string{"email:required", "password:required"}},
		// Every unmet rule of the NIST SP 800-63B-4 policy at once.
		{name: "weak password", body: credentialsJSON("bob@example.com", "short"), status: http.StatusUnprocessableEntity,
			rules: []string{"password:too_short", "password:common"}},
		// Long enough, but on the blocklist under its decoration.
		{name: "common password", body: credentialsJSON("bob@example.com", "Password1234567"), status: http.StatusUnprocessableEntity,
			rules: []string{"password:common"}},
		{name: "password with the email's name", body: credentialsJSON("margaret@example.com", "margaret-is-my-name-2026"), status: http.StatusUnprocessableEntity,
			rules: []string{"password:contains_context"}},
		{name: "password over 128 characters", body: credentialsJSON("bob@example.com", strings.Repeat("x", 129)), status: http.StatusUnprocessableEntity,
			rules: []string{"password:too_long"}},
		// No composition rules: a long passphrase of lower-case words passes.
		{name: "passphrase", body: credentialsJSON("carol@example.com", "correct horse battery staple"), status: http.StatusCreated},
		{name: "field and password problems together", body: credentialsJSON("nope", "password"), status: http.StatusUnprocessableEntity,
			rules: []string{"email:email", "password:too_short", "password:common"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := s.post("/v1/auth/register", tc.body)
			if res.status != tc.status {
				t.Fatalf("got %d %s, want %d", res.status, res.body, tc.status)
			}
			if tc.status == http.StatusCreated {
				var got map[string]string
				var sent map[string]string
				_ = json.Unmarshal([]byte(tc.body), &sent)
				want := strings.ToLower(sent["email"])
				if err := json.Unmarshal(res.body, &got); err != nil || len(got) != 1 || got["email"] != want {
					t.Fatalf("body %s, want {\"email\":%q}", res.body, want)
				}
				return
			}
			p := problemOf(t, res)
			if got := rules(p); !slices.Equal(got, tc.rules) {
				t.Errorf("errors %v, want %v", got, tc.rules)
			}
			if tc.status == http.StatusUnprocessableEntity {
				// The detail counts fields, not rules: five unmet
				// password rules are one field.
				n := len(slices.Compact(slices.Sorted(slices.Values(fields(p)))))
				want := fmt.Sprintf("%d fields failed validation", n)
				if n == 1 {
					want = "1 field failed validation"
				}
				if p.Detail != want {
					t.Errorf("detail %q, want %q", p.Detail, want)
				}
			}
			for _, e := range p.Errors {
				if e.Message == "" {
					t.Errorf("error %+v has no message", e)
				}
			}
			if bytes.Contains(res.body, []byte("Password1!")) || bytes.Contains(res.body, []byte("Margaret#2026x")) {
				t.Error("the answer echoes the password")
			}
		})
	}
}

// TestRegisterDoesNotRevealAccounts: registering a taken address answers
// exactly as registering a free one (status, headers, body) and leaves the
// existing account as it was.
func TestRegisterDoesNotRevealAccounts(t *testing.T) {
	s := newTestServer(t, nil)
	first := s.post("/v1/auth/register", credentialsJSON("grace@example.com", goodPassword))
	again := s.post("/v1/auth/register", credentialsJSON("Grace@Example.com", otherPassword))
	if first.status != http.StatusCreated || again.status != first.status {
		t.Fatalf("statuses %d then %d, want 201 both times", first.status, again.status)
	}
	if !bytes.Equal(first.body, again.body) {
		t.Fatalf("bodies differ: %s vs %s", first.body, again.body)
	}
	for _, h := range []string{"Content-Type", "Content-Length", "Cache-Control", "Strict-Transport-Security"} {
		if first.header.Get(h) != again.header.Get(h) {
			t.Errorf("header %s differs: %q vs %q", h, first.header.Get(h), again.header.Get(h))
		}
	}
	s.login("grace@example.com", goodPassword) // the first password still works
	if res := s.post("/v1/auth/login", credentialsJSON("grace@example.com", otherPassword)); res.status != http.StatusUnauthorized {
		t.Fatalf("the second registration's password: got %d, want 401", res.status)
	}
}

// TestStrictTransportSecurity: every answer, success or problem, tells
// browsers to use HTTPS only.
func TestStrictTransportSecurity(t *testing.T) {
	s := newTestServer(t, nil)
	for _, res := range []response{
		s.do(http.MethodGet, "/healthz", ""),
		s.do(http.MethodGet, "/nope", ""),
		s.do(http.MethodDelete, "/v1/auth/login", ""),
		s.do(http.MethodGet, "/v1/trial-balance", ""),
		s.post("/v1/auth/login", "{"),
	} {
		if got := res.header.Get("Strict-Transport-Security"); got != hstsValue {
			t.Errorf("%d answer: Strict-Transport-Security %q, want %q", res.status, got, hstsValue)
		}
	}
}

// TestRequestHygiene checks validate's strictness on both JSON routes and
// the method and path answers, all as problem documents.
func TestRequestHygiene(t *testing.T) {
	s := newTestServer(t, nil)
	good := credentialsJSON("ada@example.com", goodPassword)
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		status      int
		field       string // the field a 400 names, if any
	}{
		{name: "form body", method: "POST", contentType: "application/x-www-form-urlencoded", body: "email=a&password=b", status: http.StatusUnsupportedMediaType},
		{name: "no content type", method: "POST", contentType: "-", body: good, status: http.StatusUnsupportedMediaType},
		{name: "over 64 KiB", method: "POST", contentType: "application/json", body: `{"email":"` + strings.Repeat("a", 64<<10) + `","password":"x"}`, status: http.StatusRequestEntityTooLarge},
		{name: "unknown field", method: "POST", contentType: "application/json", body: `{"email":"a@example.com","password":"x","admin":true}`, status: http.StatusBadRequest, field: "admin"},
		{name: "trailing data", method: "POST", contentType: "application/json", body: good + `{}`, status: http.StatusBadRequest},
		// encoding/json would silently keep the last one.
		{name: "duplicate key", method: "POST", contentType: "application/json", body: `{"email":"a@example.com","email":"b@example.com","password":"x"}`, status: http.StatusBadRequest, field: "email"},
		{name: "wrong type", method: "POST", contentType: "application/json", body: `{"email":"a@example.com","password":12345678}`, status: http.StatusBadRequest, field: "password"},
		{name: "malformed", method: "POST", contentType: "application/json", body: `{"email":`, status: http.StatusBadRequest},
		{name: "empty body", method: "POST", contentType: "application/json", body: "", status: http.StatusBadRequest},
		{name: "array", method: "POST", contentType: "application/json", body: `[]`, status: http.StatusBadRequest},
		{name: "wrong method", method: "GET", body: "", status: http.StatusMethodNotAllowed},
		{name: "put", method: "PUT", contentType: "application/json", body: good, status: http.StatusMethodNotAllowed},
	}
	for _, path := range []string{"/v1/auth/register", "/v1/auth/login"} {
		for _, tc := range tests {
			t.Run(path+"/"+tc.name, func(t *testing.T) {
				req, err := http.NewRequest(tc.method, s.url+path, strings.NewReader(tc.body))
				if err != nil {
					t.Fatal(err)
				}
				if tc.contentType != "" && tc.contentType != "-" {
					req.Header.Set("Content-Type", tc.contentType)
				}
				hres, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer hres.Body.Close()
				var buf bytes.Buffer
				buf.ReadFrom(hres.Body)
				res := response{status: hres.StatusCode, header: hres.Header, body: buf.Bytes()}
				if res.status != tc.status {
					t.Fatalf("got %d %s, want %d", res.status, res.body, tc.status)
				}
				p := problemOf(t, res)
				if tc.field != "" && !slices.Contains(fields(p), tc.field) {
					t.Errorf("errors %v do not name %q", fields(p), tc.field)
				}
				if tc.status == http.StatusMethodNotAllowed && res.header.Get("Allow") != "POST" {
					t.Errorf("Allow %q, want POST", res.header.Get("Allow"))
				}
			})
		}
	}
	t.Run("unknown path", func(t *testing.T) {
		res := s.do(http.MethodGet, "/v1/nope", "")
		if res.status != http.StatusNotFound {
			t.Fatalf("got %d, want 404", res.status)
		}
		problemOf(t, res)
	})
	t.Run("trial balance with POST", func(t *testing.T) {
		res := s.post("/v1/trial-balance", `{}`)
		if res.status != http.StatusMethodNotAllowed || !strings.Contains(res.header.Get("Allow"), "GET") {
			t.Fatalf("got %d Allow %q, want 405 Allow GET", res.status, res.header.Get("Allow"))
		}
		problemOf(t, res)
	})
}

// jwtParts decodes a compact JWT's header and claims without verifying.
func jwtParts(t *testing.T, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d segments", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

func TestLogin(t *testing.T) {
	s := newTestServer(t, nil)
	s.register("ada@example.com", goodPassword)

	res := s.post("/v1/auth/login", credentialsJSON("ADA@example.com", goodPassword))
	if res.status != http.StatusOK {
		t.Fatalf("got %d %s, want 200", res.status, res.body)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store (RFC 6749 §5.1)", cc)
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(res.body))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		t.Fatal(err)
	}
	if len(body) != 5 || body["token_type"] != "Bearer" || body["expires_in"] != json.Number("900") ||
		body["refresh_expires_in"] != json.Number("604800") || len(body["refresh_token"].(string)) != 86 {
		t.Fatalf("body %s, want access_token, token_type Bearer, expires_in 900, refresh_token, refresh_expires_in 604800", res.body)
	}
	header, claims := jwtParts(t, body["access_token"].(string))
	if header["alg"] != "HS256" || header["typ"] != "JWT" {
		t.Errorf("header %v, want alg HS256 and typ JWT", header)
	}
	if claims["iss"] != "trialbalance" || claims["aud"] != "trialbalance-api" || claims["sub"] != "ada@example.com" {
		t.Errorf("claims %v: want iss trialbalance, aud trialbalance-api, sub ada@example.com", claims)
	}
	num := func(k string) int64 {
		n, err := claims[k].(json.Number).Int64()
		if err != nil {
			t.Fatalf("claim %s = %v is not an integer", k, claims[k])
		}
		return n
	}
	if iat, nbf, exp := num("iat"), num("nbf"), num("exp"); nbf != iat || exp-iat != 900 || time.Since(time.Unix(iat, 0)).Abs() > time.Minute {
		t.Errorf("iat %d nbf %d exp %d: want nbf = iat = now and exp 15 minutes later", iat, nbf, exp)
	}
	if jti, _ := claims["jti"].(string); len(jti) < 22 {
		t.Errorf("jti %q is not a 128-bit random id", jti)
	}
}

// TestLoginFailuresLookAlike: a wrong password and an unknown email get
// the same answer, so the API does not reveal who is registered.
func TestLoginFailuresLookAlike(t *testing.T) {
	s := newTestServer(t, nil)
	s.register("ada@example.com", goodPassword)
	wrong := s.post("/v1/auth/login", credentialsJSON("ada@example.com", "Wr0ng-password!"))
	unknown := s.post("/v1/auth/login", credentialsJSON("nobody@example.com", "Wr0ng-password!"))
	for _, res := range []response{wrong, unknown} {
		if res.status != http.StatusUnauthorized {
			t.Fatalf("got %d %s, want 401", res.status, res.body)
		}
		problemOf(t, res)
	}
	if !bytes.Equal(wrong.body, unknown.body) {
		t.Errorf("bodies differ:\n%s\n%s", wrong.body, unknown.body)
	}
	for _, h := range []string{"Content-Type", "Cache-Control", "WWW-Authenticate", "Retry-After"} {
		if wrong.header.Get(h) != unknown.header.Get(h) {
			t.Errorf("%s differs: %q vs %q", h, wrong.header.Get(h), unknown.header.Get(h))
		}
	}
	// The same work is done for both: the unknown email is checked against
	// the dummy hash, which has the parameters of real hashes.
	if got, want := s.app.hasher.DummyHash()[:len("$argon2id$v=19$m=19456,t=2,p=1$")], "$argon2id$v=19$m=19456,t=2,p=1$"; got != want {
		t.Errorf("dummy hash parameters %q, want %q", got, want)
	}
}

func TestLoginLockout(t *testing.T) {
	s := newTestServer(t, nil)
	s.register("ada@example.com", goodPassword)
	s.register("bob@example.com", goodPassword)
	now := time.Now()
	s.app.mini.SetTime(now)

	for i := range 10 {
		if res := s.post("/v1/auth/login", credentialsJSON("ada@example.com", "Wr0ng-password!")); res.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d %s, want 401", i+1, res.status, res.body)
		}
	}
	// Refused even with the right password, until the window has passed.
	res := s.post("/v1/auth/login", credentialsJSON("ada@example.com", goodPassword))
	if res.status != http.StatusTooManyRequests {
		t.Fatalf("after 10 failures: got %d %s, want 429", res.status, res.body)
	}
	problemOf(t, res)
	ra, err := strconv.Atoi(res.header.Get("Retry-After"))
	if err != nil || ra < 14*60 || ra > 15*60 {
		t.Errorf("Retry-After %q, want about 900 seconds", res.header.Get("Retry-After"))
	}
	// Other accounts are not affected.
	s.login("bob@example.com", goodPassword)
	// Unknown emails are counted and refused alike, so a 429 does not
	// tell an attacker that the account exists.
	for i := range 10 {
		if res := s.post("/v1/auth/login", credentialsJSON("nobody@example.com", "Wr0ng-password!")); res.status != http.StatusUnauthorized {
			t.Fatalf("unknown email, failure %d: got %d %s, want 401", i+1, res.status, res.body)
		}
	}
	if res := s.post("/v1/auth/login", credentialsJSON("nobody@example.com", "Wr0ng-password!")); res.status != http.StatusTooManyRequests {
		t.Fatalf("unknown email after 10 failures: got %d, want 429", res.status)
	}

	// Just before the window ends, still refused; after it, the right
	// password works again.
	s.app.mini.SetTime(now.Add(15*time.Minute - 5*time.Second))
	if res := s.post("/v1/auth/login", credentialsJSON("ada@example.com", goodPassword)); res.status != http.StatusTooManyRequests {
		t.Fatalf("inside the window: got %d, want 429", res.status)
	}
	s.app.mini.SetTime(now.Add(15*time.Minute + time.Second))
	s.login("ada@example.com", goodPassword)
}

func TestLogout(t *testing.T) {
	s := newTestServer(t, nil)
	s.register("ada@example.com", goodPassword)
	first := s.login("ada@example.com", goodPassword)
	second := s.login("ada@example.com", goodPassword)
	const tb = "/v1/trial-balance?from=2026-01-01&to=2026-12-31"

	if res := s.do(http.MethodGet, tb, "", bearer(first)...); res.status != http.StatusOK {
		t.Fatalf("before logout: got %d, want 200", res.status)
	}
	if res := s.post("/v1/auth/logout", "", bearer(first)...); res.status != http.StatusNoContent || len(res.body) != 0 {
		t.Fatalf("logout: got %d %q, want 204 and no body", res.status, res.body)
	}
	res := s.do(http.MethodGet, tb, "", bearer(first)...)
	if res.status != http.StatusUnauthorized || res.header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
		t.Fatalf("after logout: got %d %q, want 401 invalid_token", res.status, res.header.Get("WWW-Authenticate"))
	}
	problemOf(t, res)
	if res := s.post("/v1/auth/logout", "", bearer(first)...); res.status != http.StatusUnauthorized {
		t.Errorf("second logout: got %d, want 401", res.status)
	}
	// The account's other token keeps working.
	if res := s.do(http.MethodGet, tb, "", bearer(second)...); res.status != http.StatusOK {
		t.Errorf("other token: got %d, want 200", res.status)
	}
	if res := s.post("/v1/auth/logout", ""); res.status != http.StatusUnauthorized {
		t.Errorf("logout without token: got %d, want 401", res.status)
	}
}

// forge builds tokens with the service's key but chosen settings, to
// present tokens the service must refuse.
func forge(t *testing.T, secret string, mutate func(*jwtauth.Config)) string {
	t.Helper()
	cfg := jwtauth.Config{
		Keys:     []jwtauth.Key{{ID: "trialbalance-1", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret([]byte(secret))}},
		Issuer:   issuer,
		Audience: audience,
		Revoker:  &jwtauth.MemoryRevoker{},
	}
	mutate(&cfg)
	a, err := jwtauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Issue(jwtauth.Grant{Subject: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestRefusedTokens(t *testing.T) {
	s := newTestServer(t, nil)
	s.register("ada@example.com", goodPassword)
	valid := s.login("ada@example.com", goodPassword)
	c := strings.Split(valid, ".")[1]
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"trialbalance-1"}`))

	tests := []struct {
		name   string
		header []string
		// invalid is whether a token was presented, so RFC 6750 asks for
		// error="invalid_token".
		invalid bool
	}{
		{name: "no token", header: nil},
		{name: "other scheme", header: []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("ada:pw"))}},
		{name: "garbage", header: bearer("not-a-jwt"), invalid: true},
		// CVE-2015-9235: alg none must never verify.
		{name: "alg none", header: bearer(noneHeader + "." + c + "."), invalid: true},
		{name: "other key", header: bearer(forge(t, randomSecret(t), func(*jwtauth.Config) {})), invalid: true},
		{name: "expired", header: bearer(forge(t, s.secret, func(c *jwtauth.Config) {
			c.Now = func() time.Time { return time.Now().Add(-time.Hour) }
		})), invalid: true},
		{name: "other audience", header: bearer(forge(t, s.secret, func(c *jwtauth.Config) { c.Audience = "billing-api" })), invalid: true},
		{name: "other issuer", header: bearer(forge(t, s.secret, func(c *jwtauth.Config) { c.Issuer = "evil" })), invalid: true},
		{name: "not valid yet", header: bearer(forge(t, s.secret, func(c *jwtauth.Config) {
			c.Now = func() time.Time { return time.Now().Add(time.Hour) }
		})), invalid: true},
		// One signature character changed, away from the last one, whose
		// low bits are padding.
		{name: "tampered signature", header: bearer(tamper(valid)), invalid: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := s.do(http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-01-31", "", tc.header...)
			if res.status != http.StatusUnauthorized {
				t.Fatalf("got %d %s, want 401", res.status, res.body)
			}
			want := "Bearer"
			if tc.invalid {
				want = `Bearer error="invalid_token"`
			}
			if got := res.header.Get("WWW-Authenticate"); got != want {
				t.Errorf("WWW-Authenticate %q, want %q", got, want)
			}
			if p := problemOf(t, res); p.Detail != "" && strings.Contains(strings.ToLower(p.Detail), "expired") {
				t.Errorf("detail %q says why the token was refused", p.Detail)
			}
		})
	}
	t.Run("token in the query string", func(t *testing.T) {
		res := s.do(http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-01-31&access_token="+valid, "")
		if res.status != http.StatusUnauthorized || res.header.Get("WWW-Authenticate") != "Bearer" {
			t.Fatalf("got %d %q, want 401 Bearer", res.status, res.header.Get("WWW-Authenticate"))
		}
	})
}

func TestTrialBalance(t *testing.T) {
	s := newTestServer(t, nil)
	s.register("ada@example.com", goodPassword)
	auth := bearer(s.login("ada@example.com", goodPassword))

	t.Run("first quarter", func(t *testing.T) {
		res := s.do(http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-03-31", "", auth...)
		if res.status != http.StatusOK {
			t.Fatalf("got %d %s", res.status, res.body)
		}
		if cc := res.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q, want no-store: account data must not stay in caches", cc)
		}
		var got struct {
			From, To string
			Accounts []struct {
				Code, Name    string
				Debit, Credit json.Number
			}
			TotalDebit  json.Number `json:"total_debit"`
			TotalCredit json.Number `json:"total_credit"`
		}
		dec := json.NewDecoder(bytes.NewReader(res.body))
		dec.UseNumber()
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.From != "2026-01-01" || got.To != "2026-03-31" {
			t.Errorf("period %s..%s", got.From, got.To)
		}
		// Amounts are exact decimal JSON numbers, and the totals balance.
		if got.TotalDebit != "82001.39" || got.TotalCredit != "82001.39" {
			t.Errorf("totals %s / %s, want 82001.39 both", got.TotalDebit, got.TotalCredit)
		}
		want := map[string][2]json.Number{
			"1000": {"39399.57", "0.00"},
			"2000": {"0.00", "8000.00"},
			"4000": {"0.00", "24001.39"},
			"6200": {"431.27", "0.00"},
		}
		if len(got.Accounts) != 10 {
			t.Errorf("%d accounts, want 10", len(got.Accounts))
		}
		for _, a := range got.Accounts {
			if w, ok := want[a.Code]; ok && (a.Debit != w[0] || a.Credit != w[1]) {
				t.Errorf("account %s: debit %s credit %s, want %s %s", a.Code, a.Debit, a.Credit, w[0], w[1])
			}
		}
	})

	t.Run("one month", func(t *testing.T) {
		res := s.do(http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-01-31", "", auth...)
		var got trialBalanceJSON
		decodeJSON(t, res, &got)
		if got.TotalDebit != "62000.00" || got.TotalCredit != "62000.00" || len(got.Accounts) != 5 {
			t.Errorf("January: %d accounts, totals %s / %s; want 5 accounts and 62000.00", len(got.Accounts), got.TotalDebit, got.TotalCredit)
		}
	})

	t.Run("empty period", func(t *testing.T) {
		res := s.do(http.MethodGet, "/v1/trial-balance?from=2025-01-01&to=2025-12-31", "", auth...)
		var got trialBalanceJSON
		decodeJSON(t, res, &got)
		if got.Accounts == nil || len(got.Accounts) != 0 || got.TotalDebit != "0.00" {
			t.Errorf("got %s, want no accounts and zero totals", res.body)
		}
	})

	bad := []struct {
		name   string
		query  string
		status int
		field  string
	}{
		{"from after to", "from=2026-04-01&to=2026-03-31", http.StatusUnprocessableEntity, "to"},
		{"missing from", "to=2026-03-31", http.StatusUnprocessableEntity, "from"},
		{"missing both", "", http.StatusUnprocessableEntity, "from"},
		{"not a date", "from=yesterday&to=2026-03-31", http.StatusBadRequest, "from"},
		{"impossible date", "from=2026-01-01&to=2026-02-30", http.StatusBadRequest, "to"},
		{"time included", "from=2026-01-01T00:00:00Z&to=2026-03-31", http.StatusBadRequest, "from"},
		// HTTP parameter pollution: which one would win?
		{"repeated", "from=2026-01-01&from=2025-01-01&to=2026-03-31", http.StatusBadRequest, "from"},
		{"unknown parameter", "from=2026-01-01&to=2026-03-31&account=1000", http.StatusBadRequest, "account"},
		{"bad escape", "from=%zz&to=2026-03-31", http.StatusBadRequest, ""},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			res := s.do(http.MethodGet, "/v1/trial-balance?"+tc.query, "", auth...)
			if res.status != tc.status {
				t.Fatalf("got %d %s, want %d", res.status, res.body, tc.status)
			}
			p := problemOf(t, res)
			if tc.field != "" && !slices.Contains(fields(p), tc.field) {
				t.Errorf("errors %v do not name %q", fields(p), tc.field)
			}
		})
	}
}

type trialBalanceJSON struct {
	Accounts    []map[string]any `json:"accounts"`
	TotalDebit  json.Number      `json:"total_debit"`
	TotalCredit json.Number      `json:"total_credit"`
}

func decodeJSON(t *testing.T, res response, v any) {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("got %d %s, want 200", res.status, res.body)
	}
	dec := json.NewDecoder(bytes.NewReader(res.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestPerIPLimit sends the guide's 2,000 requests per 5 minutes from one
// address and one more; another address is not affected.
func TestPerIPLimit(t *testing.T) {
	s := newTestServer(t, nil)
	s.app.mini.SetTime(time.Now()) // Redis time stands still: no refill
	h := s.app.handler()
	for i := range 2000 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, newRecorderRequest("GET", "/healthz", "", "192.0.2.1:1234"))
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d: got %d, want 200", i+1, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, newRecorderRequest("POST", "/v1/auth/login", credentialsJSON("a@example.com", "x"), "192.0.2.1:1234"))
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("request 2001: got %d, want 429", rec.Code)
	}
	if rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Header().Get("RateLimit-Policy"), `"ip";q=2000;w=300`) {
		t.Errorf("headers %v lack Retry-After or the ip RateLimit-Policy", rec.Header())
	}
	problemOf(t, response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()})
	// A spoofed X-Forwarded-For does not buy a new budget.
	req := newRecorderRequest("GET", "/healthz", "", "192.0.2.1:1234")
	req.Header.Set("X-Forwarded-For", "198.51.100.7")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("spoofed X-Forwarded-For: got %d, want 429", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, newRecorderRequest("GET", "/healthz", "", "192.0.2.2:1234"))
	if rec.Code != http.StatusOK {
		t.Errorf("other address: got %d, want 200", rec.Code)
	}
}

// TestAccessLog checks one JSON line per request with the route, status
// and trace id field, and that no secret reaches the log.
func TestAccessLog(t *testing.T) {
	s := newTestServer(t, nil)
	s.register("ada@example.com", goodPassword)
	tok := s.login("ada@example.com", goodPassword)
	s.do(http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-01-31", "", bearer(tok)...)
	s.post("/v1/auth/login", credentialsJSON("ada@example.com", "Wr0ng-password!"))

	var requests []map[string]any
	for _, l := range s.logs.lines(t) {
		if l["msg"] == "request" {
			requests = append(requests, l)
		}
	}
	want := []struct {
		route  string
		status float64
	}{
		{"POST /v1/auth/register", 201},
		{"POST /v1/auth/login", 200},
		{"GET /v1/trial-balance", 200},
		{"POST /v1/auth/login", 401},
	}
	if len(requests) != len(want) {
		t.Fatalf("%d request lines, want %d:\n%s", len(requests), len(want), s.logs)
	}
	for i, w := range want {
		l := requests[i]
		if l["route"] != w.route || l["status"] != w.status {
			t.Errorf("line %d: route %v status %v, want %s %v", i, l["route"], l["status"], w.route, w.status)
		}
		for _, k := range []string{"method", "path", "duration_ms", "client_ip", "request_id"} {
			if _, ok := l[k]; !ok {
				t.Errorf("line %d lacks %s: %v", i, k, l)
			}
		}
	}
	logs := s.logs.String()
	for _, secret := range []string{goodPassword, "Wr0ng-password!", tok, tok[strings.LastIndexByte(tok, '.')+1:], s.secret} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains a secret (%d bytes)", len(secret))
		}
	}
}

// TestNoServerErrorForBadInput sends hostile requests to every route:
// none may produce a 5xx.
func TestNoServerErrorForBadInput(t *testing.T) {
	s := newTestServer(t, nil)
	s.register("ada@example.com", goodPassword)
	tok := s.login("ada@example.com", goodPassword)
	bodies := []string{"", "null", "{}", "[]", `"x"`, "1e999", `{"email":null,"password":null}`, "\xff\xfe",
		`{"email":"` + strings.Repeat("\u00e9", 300) + `@x.io","password":"` + strings.Repeat("\u00e9", 2000) + `"}`,
		strings.Repeat("[", 10000), `{"email":"a@b.c","password":"\u0000\u0000\u0000\u0000Aa1!"}`}
	paths := []string{"/healthz", "/v1/auth/register", "/v1/auth/login", "/v1/auth/logout",
		"/v1/trial-balance?from=0000-00-00&to=9999-99-99", "/v1/trial-balance?from=0001-01-01&to=9999-12-31",
		"/v1/trial-balance?%%%", "/../../etc/passwd", "/v1/auth/login/"}
	for _, p := range paths {
		for _, m := range []string{"GET", "POST", "DELETE", "OPTIONS"} {
			for _, b := range bodies {
				for _, hdr := range [][]string{nil, bearer(tok), bearer(strings.Repeat("A", 9000))} {
					res := s.do(m, p, b, hdr...)
					if res.status >= 500 {
						t.Fatalf("%s %s %q: got %d %s", m, p, b[:min(len(b), 40)], res.status, res.body)
					}
				}
			}
		}
	}
}

func TestMoneyJSON(t *testing.T) {
	tests := []struct {
		name string
		in   cents
		want string
	}{
		{"zero", 0, "0.00"},
		{"cents", 7, "0.07"},
		{"tens of cents", 50, "0.50"},
		{"units", 123456, "1234.56"},
		{"negative", -105, "-1.05"},
		// No float64 on the way: exact at the extremes too.
		{"largest", 1<<63 - 1, "92233720368547758.07"},
		{"smallest", -1 << 63, "-92233720368547758.08"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.in)
			if err != nil || string(b) != tc.want {
				t.Errorf("got %s %v, want %s", b, err, tc.want)
			}
			if !json.Valid(b) {
				t.Errorf("%s is not valid JSON", b)
			}
		})
	}
}

// TestSampleLedgerBalances keeps the sample data honest: every entry
// balances, posts to known accounts, and uses one side per line.
func TestSampleLedgerBalances(t *testing.T) {
	known := map[string]bool{}
	for _, a := range sampleAccounts() {
		known[a.Code] = true
	}
	for _, e := range sampleEntries() {
		var d, c cents
		for _, p := range e.Postings {
			if !known[p.Account] || (p.Debit == 0) == (p.Credit == 0) || p.Debit < 0 || p.Credit < 0 {
				t.Errorf("%s %s: bad posting %+v", e.Date, e.Memo, p)
			}
			d += p.Debit
			c += p.Credit
		}
		if d != c {
			t.Errorf("%s %s: debits %d credits %d", e.Date, e.Memo, d, c)
		}
		if _, err := time.Parse(time.DateOnly, e.Date); err != nil {
			t.Errorf("%s: %v", e.Memo, err)
		}
	}
}

// Example of the numbers the README shows.
func Example_trialBalanceJSON() {
	tb := newTrialBalance(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC),
		[]accountTotals{{Code: "1000", Name: "Cash", Debits: 5_000_000, Credits: 250_000}, {Code: "3000", Name: "Owner's Equity", Credits: 5_000_000}, {Code: "6000", Name: "Rent Expense", Debits: 250_000}})
	b, _ := json.Marshal(tb)
	fmt.Println(string(b))
	// Output:
	// {"from":"2026-01-01","to":"2026-01-31","accounts":[{"code":"1000","name":"Cash","debit":47500.00,"credit":0.00},{"code":"3000","name":"Owner's Equity","debit":0.00,"credit":50000.00},{"code":"6000","name":"Rent Expense","debit":2500.00,"credit":0.00}],"total_debit":50000.00,"total_credit":50000.00}
}

// TestHashingIsBounded: argon2id holds 19 MiB per call, so concurrent
// registrations and logins wait for one of a few hashing slots instead of
// each allocating its own (memory exhaustion by a burst of requests that
// the per-IP limit lets through). A request that gives up waiting gets a
// 503 and hashes nothing.
func TestHashingIsBounded(t *testing.T) {
	s := newTestServer(t, nil)
	s.register("ada@example.com", goodPassword)
	h := s.app.handler()
	// Take every slot, as a burst of concurrent hashing would.
	for range cap(s.app.hashSlots) {
		s.app.hashSlots <- struct{}{}
	}
	release := func() {
		for range cap(s.app.hashSlots) {
			<-s.app.hashSlots
		}
	}

	tests := []struct {
		name, path, email string
		// cancel gives up waiting; otherwise the slots are released.
		cancel bool
		want   int
	}{
		{name: "register gives up", path: "/v1/auth/register", email: "bob@example.com", cancel: true, want: http.StatusServiceUnavailable},
		{name: "login gives up", path: "/v1/auth/login", email: "ada@example.com", cancel: true, want: http.StatusServiceUnavailable},
		// An unknown email is hashed too (against the dummy hash): it
		// costs what a wrong password costs, so timing does not tell.
		{name: "unknown email hashes too", path: "/v1/auth/login", email: "nobody@example.com", cancel: true, want: http.StatusServiceUnavailable},
		{name: "login waits its turn", path: "/v1/auth/login", email: "ada@example.com", want: http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			waiting := make(chan struct{})
			s.app.onHashWait = func() { close(waiting) }
			defer func() { s.app.onHashWait = nil }()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rec := httptest.NewRecorder()
			done := make(chan struct{})
			go func() {
				defer close(done)
				h.ServeHTTP(rec, newRecorderRequest("POST", tc.path, credentialsJSON(tc.email, goodPassword), "192.0.2.1:1").WithContext(ctx))
			}()
			select {
			case <-waiting:
			case <-done:
				t.Fatalf("finished with %d %s without waiting for a hashing slot", rec.Code, rec.Body)
			}
			if tc.cancel {
				cancel()
			} else {
				release()
			}
			<-done
			if rec.Code != tc.want {
				t.Fatalf("got %d %s, want %d", rec.Code, rec.Body, tc.want)
			}
		})
	}
	// The account given up on was not created.
	if res := s.post("/v1/auth/login", credentialsJSON("bob@example.com", goodPassword)); res.status != http.StatusUnauthorized {
		t.Errorf("login of the abandoned registration: got %d, want 401", res.status)
	}
}

// tamper changes the character in the middle of a token's signature.
func tamper(token string) string {
	i := strings.LastIndexByte(token, '.') + 22
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}

// TestRedisOutage: with Redis failing, the security checks that need it
// refuse (fail closed) and throttling lets requests through (fail open):
// an attacker who overloads Redis neither revives a logged-out token nor
// escapes the failed-login guard, and an outage of the cache does not take
// down the routes that do not need it.
func TestRedisOutage(t *testing.T) {
	s := newTestServer(t, nil)
	s.register("ada@example.com", goodPassword)
	tok := s.login("ada@example.com", goodPassword)
	const tb = "/v1/trial-balance?from=2026-01-01&to=2026-01-31"

	s.app.mini.SetError("LOADING Redis is loading the dataset in memory")
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		header []string
		want   int
	}{
		{name: "health needs no Redis (per-IP limit fails open)", method: "GET", path: "/healthz", want: http.StatusOK},
		{name: "revocation cannot be checked", method: "GET", path: tb, header: bearer(tok), want: http.StatusServiceUnavailable},
		{name: "logout cannot be recorded", method: "POST", path: "/v1/auth/logout", header: bearer(tok), want: http.StatusServiceUnavailable},
		{name: "login guard cannot count", method: "POST", path: "/v1/auth/login", body: credentialsJSON("ada@example.com", goodPassword), want: http.StatusServiceUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := s.do(tc.method, tc.path, tc.body, tc.header...)
			if res.status != tc.want {
				t.Fatalf("got %d %s, want %d", res.status, res.body, tc.want)
			}
			if res.status != http.StatusOK {
				problemOf(t, res)
			}
		})
	}

	s.app.mini.SetError("")
	if res := s.do(http.MethodGet, tb, "", bearer(tok)...); res.status != http.StatusOK {
		t.Errorf("after the outage: got %d, want 200", res.status)
	}
	s.login("ada@example.com", goodPassword)
}
