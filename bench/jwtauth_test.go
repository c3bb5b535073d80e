package bench

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/golang-jwt/jwt/v5"

	"github.com/lambdasec/lambdasec/jwtauth"
)

// One HS256 token, issued by jwtauth, goes through three verifiers in the
// same run:
//
//   - golang-jwt ParseWithClaims with the options that make it as strict as
//     jwtauth can be made (alg allow-list, exp required, iat checked, iss,
//     aud, strict base64, leeway), and a keyfunc that checks the kid;
//   - jwtauth's whole middleware (no revocation) to a no-op handler;
//   - auth0/go-jwt-middleware v2's CheckJWT with its HS256 validator.
//
// Goal: jwtauth's middleware within 1.25x of bare golang-jwt parsing and
// faster than auth0's middleware.

// jwtBenchSecret is a fixed sample secret for benchmarks only; generate your
// own for any real use.
var jwtBenchSecret = []byte("q8Jz4nW1rT0vXy7LpM3sB6dF9gH2kC5e")

func jwtFixture(b *testing.B) (*jwtauth.Authenticator, string) {
	a, err := jwtauth.New(jwtauth.Config{
		Keys:     []jwtauth.Key{{ID: "v1", Algorithm: jwtauth.HS256, Secret: jwtBenchSecret}},
		Issuer:   "trialbalance",
		Audience: "trialbalance-api",
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := a.Issue(jwtauth.Grant{Subject: "user-42"})
	if err != nil {
		b.Fatal(err)
	}
	return a, tok
}

type jwtNopWriter struct{ h http.Header }

func (w *jwtNopWriter) Header() http.Header         { return w.h }
func (w *jwtNopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *jwtNopWriter) WriteHeader(int)             {}

func jwtBearer(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

func BenchmarkJWTAuth(b *testing.B) {
	a, tok := jwtFixture(b)
	ctx := context.Background()

	b.Run("golang-jwt/ParseWithClaims", func(b *testing.B) {
		p := jwt.NewParser(
			jwt.WithValidMethods([]string{"HS256"}),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithIssuer("trialbalance"),
			jwt.WithAudience("trialbalance-api"),
			jwt.WithStrictDecoding(),
			jwt.WithLeeway(30*time.Second),
		)
		keyfunc := func(t *jwt.Token) (any, error) {
			if kid, _ := t.Header["kid"].(string); kid != "v1" {
				return nil, jwt.ErrTokenUnverifiable
			}
			return jwtBenchSecret, nil
		}
		b.ReportAllocs()
		for b.Loop() {
			var c jwt.RegisteredClaims
			if _, err := p.ParseWithClaims(tok, &c, keyfunc); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("jwtauth/Verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("jwtauth/Middleware", func(b *testing.B) {
		h := a.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := jwtauth.FromContext(r.Context()); !ok {
				b.Fatal("no claims")
			}
		}))
		r, w := jwtBearer(tok), &jwtNopWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	})

	b.Run("auth0/Middleware", func(b *testing.B) {
		v, err := validator.New(func(context.Context) (any, error) { return jwtBenchSecret, nil },
			validator.HS256, "trialbalance", []string{"trialbalance-api"}, validator.WithAllowedClockSkew(30*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		ok := false
		h := jwtmiddleware.New(v.ValidateToken).CheckJWT(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, ok = r.Context().Value(jwtmiddleware.ContextKey{}).(*validator.ValidatedClaims)
		}))
		r, w := jwtBearer(tok), &jwtNopWriter{h: http.Header{}}
		h.ServeHTTP(w, r)
		if !ok {
			b.Fatal("auth0 middleware refused the token")
		}
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	})
}
