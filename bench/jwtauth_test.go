package bench

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/redisrevoker"
)

// One HS256 token, issued by jwtauth, goes through these in the same run:
//
//   - floor: what any HS256 verifier must do at least, the base64url
//     decoding of the three segments, a fresh hmac.New and hmac.Equal;
//   - golang-jwt ParseWithClaims with the options that make it as strict as
//     jwtauth can be made (alg allow-list, exp required, iat checked, iss,
//     aud, strict base64, leeway), and a keyfunc that checks the kid;
//   - lestrrat-go/jwx v3 jwt.Parse with the key, issuer, audience and skew;
//   - jwtauth's Verify, and its whole middleware (no revocation) to a
//     no-op handler;
//   - auth0/go-jwt-middleware v2's CheckJWT with its HS256 validator.
//
// Goals: Verify at most 1.5x the floor, the middleware at most 1.6x, with
// every check kept. BenchmarkJWTVerifyPaired gives both ratios directly.

// jwtBenchSecret is a fixed sample secret for benchmarks only; generate your
// own for any real use.
var jwtBenchSecret = []byte("q8Jz4nW1rT0vXy7LpM3sB6dF9gH2kC5e")

func jwtFixture(b *testing.B) (*jwtauth.Authenticator, string) {
	a, err := jwtauth.New(jwtauth.Config{
		Keys:     []jwtauth.Key{{ID: "v1", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(jwtBenchSecret)}},
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

	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			jwtFloor(b, tok)
		}
	})

	b.Run("jwx/Parse", func(b *testing.B) {
		key, err := jwk.Import(jwtBenchSecret)
		if err != nil {
			b.Fatal(err)
		}
		opts := []jwxjwt.ParseOption{
			jwxjwt.WithKey(jwa.HS256(), key), jwxjwt.WithIssuer("trialbalance"),
			jwxjwt.WithAudience("trialbalance-api"), jwxjwt.WithAcceptableSkew(30 * time.Second),
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jwxjwt.ParseString(tok, opts...); err != nil {
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

// jwtFloor is the least an HS256 verifier does: decode the three segments
// and compare a fresh HMAC in constant time. It checks nothing else.
func jwtFloor(b *testing.B, tok string) {
	h, rest, _ := strings.Cut(tok, ".")
	p, s, _ := strings.Cut(rest, ".")
	enc := base64.RawURLEncoding
	if _, err := enc.DecodeString(h); err != nil {
		b.Fatal(err)
	}
	if _, err := enc.DecodeString(p); err != nil {
		b.Fatal(err)
	}
	sig, err := enc.DecodeString(s)
	if err != nil {
		b.Fatal(err)
	}
	m := hmac.New(sha256.New, jwtBenchSecret)
	m.Write([]byte(tok[:len(h)+1+len(p)]))
	if !hmac.Equal(m.Sum(nil), sig) {
		b.Fatal("floor: bad MAC")
	}
}

// BenchmarkJWTVerifyPaired reports Verify/floor and middleware/floor as
// per-pair medians (see pairedMedians), the issue's two goals.
func BenchmarkJWTVerifyPaired(b *testing.B) {
	a, tok := jwtFixture(b)
	ctx := context.Background()
	floor := func(int) { jwtFloor(b, tok) }
	b.Run("Verify", func(b *testing.B) {
		pairedMedians(b, "verify", func(int) {
			if _, err := a.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}, "floor", floor)
	})
	b.Run("Middleware", func(b *testing.B) {
		h := a.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		r, w := jwtBearer(tok), &jwtNopWriter{h: http.Header{}}
		pairedMedians(b, "middleware", func(int) { h.ServeHTTP(w, r) }, "floor", floor)
	})
	// The middleware's own cost beyond Verify: the bearer extraction, the
	// claims' context and the request copy that r.WithContext makes.
	b.Run("Middleware-vs-Verify", func(b *testing.B) {
		h := a.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		r, w := jwtBearer(tok), &jwtNopWriter{h: http.Header{}}
		pairedMedians(b, "middleware", func(int) { h.ServeHTTP(w, r) }, "verify", func(int) {
			if _, err := a.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// BenchmarkJWTRevocationCheckPaired compares the revocation check (the
// Revoker call the Authenticator makes, under the deadline it sets) with a
// bare go-redis MGET of the same three keys (token, subject, epoch marker;
// sameKeys proves them the check's) on the same client and real Redis,
// paired (see pairedMedians). Goal: ratio at most 1.05. The client has
// ContextTimeoutEnabled, as jwtauth's docs recommend. The bare side runs
// without a deadline: the check's ratio includes the Authenticator's
// context.WithTimeout (about 0.6 µs of CPU, and 2 to 3 points of the
// ratio as measured).
func BenchmarkJWTRevocationCheckPaired(b *testing.B) {
	c := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(b), ContextTimeoutEnabled: true})
	b.Cleanup(func() { c.Close() })
	const prefix = "bench-jwtauth"
	rev, err := redisrevoker.New(redisrevoker.Config{Client: c, Prefix: prefix})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := rev.Prepare(ctx); err != nil { // the epoch markers
		b.Fatal(err)
	}
	cl := jwtauth.Claims{Issuer: "trialbalance", Subject: "user-42", ID: "id-1", IssuedAt: time.Now()}
	// The stored key format, as the revoker builds it: the subject's
	// bucket (the digest's first ten bits) is the hash tag it shares
	// with the bucket's epoch marker, which the check reads too.
	sd := redisx.Digest("s", cl.Issuer, cl.Subject)
	v, _ := strconv.ParseUint(sd[:4], 16, 16)
	tag := fmt.Sprintf("{%03x}", v>>6)
	base := prefix + ":" + sd + tag + ":"
	tokKey, subjKey := base+"t:"+redisx.Digest("t", cl.Issuer, cl.ID), base+"nbf"
	epochKey := prefix + ":epoch" + tag
	sameKeys(b, c, rev, cl, tokKey, subjKey)
	check := func(int) {
		ctx, cancel := context.WithTimeout(ctx, jwtauth.DefaultRevocationTimeout)
		defer cancel()
		if revoked, err := rev.Revoked(ctx, cl); err != nil || revoked {
			b.Fatal(revoked, err)
		}
	}
	mget := func(int) {
		if _, err := c.MGet(ctx, tokKey, subjKey, epochKey).Result(); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 100 { // warm the connection
		check(i)
		mget(i)
	}
	pairedMedians(b, "check", check, "mget", mget)
}

// sameKeys makes sure the bare side of the revocation benchmark reads the
// keys the check reads: a record written under each of them must revoke
// the token.
func sameKeys(b *testing.B, c *redis.Client, rev *redisrevoker.Revoker, cl jwtauth.Claims, tokKey, subjKey string) {
	b.Helper()
	ctx := context.Background()
	notBefore := strconv.FormatInt(cl.IssuedAt.Unix()+60, 10)
	for key, val := range map[string]string{tokKey: "1", subjKey: notBefore} {
		if err := c.Set(ctx, key, val, time.Minute).Err(); err != nil {
			b.Fatal(err)
		}
		revoked, err := rev.Revoked(ctx, cl)
		if err := c.Del(ctx, key).Err(); err != nil {
			b.Fatal(err)
		}
		if err != nil || !revoked {
			b.Fatalf("a record under %q does not revoke the token (%v): the bare MGET reads other keys than the check", key, err)
		}
	}
}
