package jwtauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/lambdasec/lambdasec/jwtauth"
)

// exampleSecret is a sample HS256 secret. Never use it: generate your own
// 32 random bytes (openssl rand -base64 32) and keep them in a secret store.
var exampleSecret = []byte("q8Jz4nW1rT0vXy7LpM3sB6dF9gH2kC5e")

// now is the fixed clock of the examples.
func now() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }

func newExampleAuth(rev jwtauth.Revoker) *jwtauth.Authenticator {
	return mustNew(jwtauth.Config{
		Keys:     []jwtauth.Key{{ID: "v1", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(exampleSecret)}},
		Issuer:   "trialbalance",
		Audience: "trialbalance-api",
		Revoker:  rev,
		Logger:   slog.New(slog.DiscardHandler),
		Now:      now,
	})
}

// mustNew builds the examples' Authenticators; a program checks New's
// error the same way in main.
func mustNew(cfg jwtauth.Config) *jwtauth.Authenticator {
	a, err := jwtauth.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	return a
}

func get(h http.Handler, token string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// A service that issues HS256 tokens on login, protects its routes and
// revokes the current token on logout. JWT_SECRET must hold at least 32
// random bytes: New refuses short and known-weak secrets.
func Example() {
	secret := []byte(os.Getenv("JWT_SECRET"))
	if len(secret) == 0 {
		secret = exampleSecret // for this example only
	}
	auth, err := jwtauth.New(jwtauth.Config{
		Keys:     []jwtauth.Key{{ID: "v1", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(secret)}},
		Issuer:   "trialbalance",
		Audience: "trialbalance-api",
		Revoker:  &jwtauth.MemoryRevoker{}, // redisrevoker when several instances run
	})
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// ... check the user's password first ...
		token, _, err := auth.Issue(jwtauth.Grant{Subject: "user-42"})
		if err != nil {
			http.Error(w, "", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, token)
	})
	mux.Handle("POST /logout", auth.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := auth.Logout(r); err != nil {
			http.Error(w, "", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	mux.Handle("GET /me", auth.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := jwtauth.FromContext(r.Context())
		fmt.Fprint(w, c.Subject)
	})))

	do := func(method, path, token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		return rec
	}
	token := do("POST", "/login", "").Body.String()
	fmt.Println(do("GET", "/me", token).Body.String())
	fmt.Println(do("POST", "/logout", token).Code)
	fmt.Println(do("GET", "/me", token).Code)
	// Output:
	// user-42
	// 204
	// 401
}

func ExampleNew() {
	_, err := jwtauth.New(jwtauth.Config{
		Keys: []jwtauth.Key{{ID: "v1", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret([]byte("changeme"))}},
	})
	fmt.Println(errors.Is(err, jwtauth.ErrWeakKey))
	// Output: true
}

// A single HS256 key needs no ID: tokens carry no kid, and a token
// without kid selects the key without ID.
func Example_singleKey() {
	auth, err := jwtauth.New(jwtauth.Config{
		Keys: []jwtauth.Key{{Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(exampleSecret)}},
	})
	if err != nil {
		log.Fatal(err) // a short or weak secret is refused here
	}
	token, c, _ := auth.Issue(jwtauth.Grant{Subject: "user-42"})
	_, err = auth.Verify(context.Background(), token)
	fmt.Println(c.ExpiresAt.Sub(c.IssuedAt), err)
	// Output: 15m0s <nil>
}

func ExampleAuthenticator_Issue() {
	auth := newExampleAuth(nil)
	token, c, err := auth.Issue(jwtauth.Grant{Subject: "user-42", Scopes: []string{"ledger:read"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(token) > 0, c.Issuer, c.Audience, c.Scopes, c.ExpiresAt.Format(time.RFC3339))
	// Output: true trialbalance [trialbalance-api] [ledger:read] 2026-11-27T12:15:00Z
}

func ExampleAuthenticator_Verify() {
	auth := newExampleAuth(nil)
	token, _, _ := auth.Issue(jwtauth.Grant{Subject: "user-42"})
	c, err := auth.Verify(context.Background(), token)
	fmt.Println(c.Subject, err)
	_, err = auth.Verify(context.Background(), "not-a-token")
	fmt.Println(errors.Is(err, jwtauth.ErrTokenMalformed))
	// Output:
	// user-42 <nil>
	// true
}

func ExampleAuthenticator_Authenticate() {
	auth := newExampleAuth(nil)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	_, err := auth.Authenticate(r)
	fmt.Println(err)
	// Output: jwtauth: no token
}

func ExampleAuthenticator_Handler() {
	auth := newExampleAuth(nil)
	mux := http.NewServeMux()
	mux.Handle("GET /", auth.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := jwtauth.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s", c.Subject)
	})))
	token, _, _ := auth.Issue(jwtauth.Grant{Subject: "user-42"})

	rec := get(mux, "")
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Header().Get("Content-Type"))
	rec = get(mux, "not-a-token")
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	rec = get(mux, token)
	fmt.Println(rec.Code, rec.Body.String())
	// Output:
	// 401 Bearer application/problem+json
	// 401 Bearer error="invalid_token"
	// 200 hello user-42
}

func ExampleAuthenticator_RequireScopes() {
	auth := newExampleAuth(nil)
	write := auth.Handler(auth.RequireScopes("ledger:write")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "posted")
	})))
	reader, _, _ := auth.Issue(jwtauth.Grant{Subject: "user-42", Scopes: []string{"ledger:read"}})
	writer, _, _ := auth.Issue(jwtauth.Grant{Subject: "user-42", Scopes: []string{"ledger:read", "ledger:write"}})
	rec := get(write, reader)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	fmt.Println(get(write, writer).Code)
	// Output:
	// 403 Bearer error="insufficient_scope"
	// 200
}

func ExampleAuthenticator_Logout() {
	auth := newExampleAuth(&jwtauth.MemoryRevoker{Now: now})
	phone, _, _ := auth.Issue(jwtauth.Grant{Subject: "user-42"})
	laptop, _, _ := auth.Issue(jwtauth.Grant{Subject: "user-42"})
	logout := auth.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = auth.Logout(r) // revokes the phone's token only
	}))
	get(logout, phone)
	me := auth.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	fmt.Println(get(me, phone).Code, get(me, laptop).Code)
	// Output: 401 200
}

func ExampleAuthenticator_RevokeSubject() {
	auth := newExampleAuth(&jwtauth.MemoryRevoker{Now: now})
	phone, _, _ := auth.Issue(jwtauth.Grant{Subject: "user-42"})
	laptop, _, _ := auth.Issue(jwtauth.Grant{Subject: "user-42"})
	// "Log out everywhere", e.g. after a password change.
	if err := auth.RevokeSubject(context.Background(), "user-42"); err != nil {
		log.Fatal(err)
	}
	for _, tok := range []string{phone, laptop} {
		_, err := auth.Verify(context.Background(), tok)
		fmt.Println(errors.Is(err, jwtauth.ErrTokenRevoked))
	}
	// Output:
	// true
	// true
}

func ExampleAuthenticator_Revoke() {
	auth := newExampleAuth(&jwtauth.MemoryRevoker{Now: now})
	token, c, _ := auth.Issue(jwtauth.Grant{Subject: "user-42"})
	_ = auth.Revoke(context.Background(), c)
	_, err := auth.Verify(context.Background(), token)
	fmt.Println(err)
	// Output: jwtauth: token revoked
}

// Key rotation: the new key goes first and signs; the old one still
// verifies until its last token has expired, then it is removed.
func Example_keyRotation() {
	oldKey := jwtauth.Key{ID: "2026-10", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(exampleSecret)}
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	newKey := jwtauth.Key{ID: "2026-11", Algorithm: jwtauth.ES256, PrivateKey: priv}

	before := mustNew(jwtauth.Config{Keys: []jwtauth.Key{oldKey}, Now: now})
	oldToken, _, _ := before.Issue(jwtauth.Grant{Subject: "user-42"})

	during := mustNew(jwtauth.Config{Keys: []jwtauth.Key{newKey, oldKey}, Now: now})
	newToken, _, _ := during.Issue(jwtauth.Grant{Subject: "user-42"})
	_, err1 := during.Verify(context.Background(), oldToken)
	_, err2 := during.Verify(context.Background(), newToken)
	fmt.Println(err1, err2)

	after := mustNew(jwtauth.Config{Keys: []jwtauth.Key{newKey}, Now: now})
	_, err := after.Verify(context.Background(), oldToken)
	fmt.Println(errors.Is(err, jwtauth.ErrKeyNotFound))
	// Output:
	// <nil> <nil>
	// true
}

func ExampleMemoryRevoker() {
	rev := &jwtauth.MemoryRevoker{Now: now} // Now may be left nil: the zero value works
	auth := newExampleAuth(rev)
	token, c, _ := auth.Issue(jwtauth.Grant{Subject: "user-42"})
	revoked, _ := rev.Revoked(context.Background(), c)
	fmt.Println(revoked)
	_ = auth.Revoke(context.Background(), c)
	_, err := auth.Verify(context.Background(), token)
	fmt.Println(errors.Is(err, jwtauth.ErrTokenRevoked))
	// Output:
	// false
	// true
}

func ExampleFromContext() {
	ctx := jwtauth.NewContext(context.Background(), jwtauth.Claims{Subject: "user-42"})
	if c, ok := jwtauth.FromContext(ctx); ok {
		fmt.Println(c.Subject) // e.g. a per-user rate-limit key
	}
	_, ok := jwtauth.FromContext(context.Background())
	fmt.Println(ok)
	// Output:
	// user-42
	// false
}

func ExampleNewContext() {
	// Handlers under test can receive claims without a token.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := jwtauth.FromContext(r.Context())
		fmt.Fprint(w, c.Subject)
	})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(jwtauth.NewContext(r.Context(), jwtauth.Claims{Subject: "user-42"}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	fmt.Println(rec.Body.String())
	// Output: user-42
}

func ExampleClaims_Decode() {
	type profile struct {
		TenantID string `json:"tenant_id"`
	}
	auth := newExampleAuth(nil)
	token, _, _ := auth.Issue(jwtauth.Grant{Subject: "user-42", Custom: profile{TenantID: "acme"}})
	c, _ := auth.Verify(context.Background(), token)
	var p profile
	if err := c.Decode(&p); err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.TenantID)
	// Output: acme
}

func ExampleClaims_HasScope() {
	c := jwtauth.Claims{Scopes: []string{"ledger:read"}}
	fmt.Println(c.HasScope("ledger:read"), c.HasScope("ledger:write"))
	// Output: true false
}

func ExampleWriteError() {
	rec := httptest.NewRecorder()
	jwtauth.WriteError(rec, httptest.NewRequest(http.MethodGet, "/", nil), jwtauth.ErrTokenExpired)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	fmt.Print(rec.Body.String())
	// Output:
	// 401 Bearer error="invalid_token"
	// {"type":"about:blank","title":"Unauthorized","status":401}
}

func ExampleKey() {
	k := jwtauth.Key{ID: "v1", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(exampleSecret)}
	fmt.Println(k) // never prints the secret
	// Output: jwtauth.Key{ID:"v1", Algorithm:HS256}
}
