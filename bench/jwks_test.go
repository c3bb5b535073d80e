package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	jwksv2 "github.com/auth0/go-jwt-middleware/v2/jwks"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/golang-jwt/jwt/v5"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/jwks"
	"github.com/lambdasec/lambdasec/jwtauth/jwks/jwkstest"
)

// Verification of tokens signed by an OpenID Connect issuer's published
// keys (RS256 and ES256), every library fetching the same JWK Set from the
// same loopback HTTPS issuer (its own CA, trusted by the client):
//
//   - lambdasec: jwks.Source (discovery) behind a jwtauth.Authenticator
//     with issuer and audience;
//   - keyfunc: MicahParks/keyfunc v3 over the jwks_uri, with golang-jwt v5
//     ParseWithClaims made strict (alg allow-list, exp required, iat,
//     issuer, audience, leeway);
//   - gojwtmw: auth0/go-jwt-middleware v2's caching JWKS provider
//     (discovery) and validator.
//
// BenchmarkJWKSVerify gives each its own ns/op; BenchmarkJWKSVerifyPaired
// interleaves them and reports the ratios to lambdasec directly.
// TestJWKSKidMissFlood counts the key set fetches each makes under a
// flood of tokens naming unknown kids, and whether a genuine new key is
// accepted right after it.

const jwksBenchAudience = "trial-balance-api"

type jwksVerifier struct {
	name   string
	verify func(ctx context.Context, tok string) error
}

type jwksFixture struct {
	srv    *jwkstest.Server
	keys   map[string]*jwkstest.Key // by alg
	tokens map[string]string        // by alg
	// skew moves lambdasec's key source clock ahead, so a test can step
	// past its 10-second lookup window without sleeping.
	skew atomic.Int64
}

func newJWKSFixture(tb testing.TB) *jwksFixture {
	tb.Helper()
	srv, err := jwkstest.NewServer(jwkstest.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Close)
	f := &jwksFixture{srv: srv, keys: map[string]*jwkstest.Key{}, tokens: map[string]string{}}
	for _, alg := range []string{"RS256", "ES256"} {
		k, err := srv.AddKey("key-"+alg, alg, 2048)
		if err != nil {
			tb.Fatal(err)
		}
		f.keys[alg] = k
		if f.tokens[alg], err = k.Sign(f.claims()); err != nil {
			tb.Fatal(err)
		}
	}
	return f
}

func (f *jwksFixture) claims() map[string]any {
	now := time.Now()
	return map[string]any{"iss": f.srv.Issuer, "aud": jwksBenchAudience, "sub": "user-42",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "j-1"}
}

// verifiers builds the three verifiers for alg, each with its keys loaded.
func (f *jwksFixture) verifiers(tb testing.TB, alg string) []jwksVerifier {
	tb.Helper()
	ctx := context.Background()
	src, err := jwks.New(jwks.Config{Issuer: f.srv.Issuer, Client: f.srv.Client, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Now().Add(time.Duration(f.skew.Load())) }})
	if err != nil {
		tb.Fatal(err)
	}
	if err := src.Load(ctx); err != nil {
		tb.Fatal(err)
	}
	auth, err := jwtauth.New(jwtauth.Config{KeySource: src, Issuer: f.srv.Issuer, Audience: jwksBenchAudience,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}

	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{f.srv.Issuer + jwkstest.JWKSPath}, keyfunc.Override{Client: f.srv.Client})
	if err != nil {
		tb.Fatal(err)
	}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithIssuer(f.srv.Issuer), jwt.WithAudience(jwksBenchAudience), jwt.WithLeeway(30*time.Second))

	issURL, _ := url.Parse(f.srv.Issuer + "/")
	prov := jwksv2.NewCachingProvider(issURL, 15*time.Minute, jwksv2.WithCustomClient(f.srv.Client))
	v2, err := validator.New(prov.KeyFunc, validator.SignatureAlgorithm(alg), f.srv.Issuer, []string{jwksBenchAudience})
	if err != nil {
		tb.Fatal(err)
	}

	vs := []jwksVerifier{
		{"lambdasec", func(ctx context.Context, tok string) error { _, err := auth.Verify(ctx, tok); return err }},
		{"keyfunc", func(ctx context.Context, tok string) error {
			_, err := parser.ParseWithClaims(tok, &jwt.RegisteredClaims{}, kf.KeyfuncCtx(ctx))
			return err
		}},
		{"gojwtmw", func(ctx context.Context, tok string) error { _, err := v2.ValidateToken(ctx, tok); return err }},
	}
	for _, v := range vs { // warm: every cache filled, every token accepted
		if err := v.verify(ctx, f.tokens[alg]); err != nil {
			tb.Fatalf("%s %s: %v", v.name, alg, err)
		}
	}
	return vs
}

func BenchmarkJWKSVerify(b *testing.B) {
	f := newJWKSFixture(b)
	ctx := context.Background()
	for _, alg := range []string{"RS256", "ES256"} {
		for _, v := range f.verifiers(b, alg) {
			tok := f.tokens[alg]
			b.Run(alg+"/"+v.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := v.verify(ctx, tok); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkJWKSVerifyPaired runs the three verifiers in turn on each
// iteration, so machine noise hits all alike, and reports each one's
// time as a ratio to lambdasec's.
func BenchmarkJWKSVerifyPaired(b *testing.B) {
	f := newJWKSFixture(b)
	ctx := context.Background()
	for _, alg := range []string{"RS256", "ES256"} {
		vs := f.verifiers(b, alg)
		tok := f.tokens[alg]
		b.Run(alg, func(b *testing.B) {
			spent := make([]time.Duration, len(vs))
			for b.Loop() {
				for i, v := range vs {
					start := time.Now()
					if err := v.verify(ctx, tok); err != nil {
						b.Fatal(err)
					}
					spent[i] += time.Since(start)
				}
			}
			for i, v := range vs[1:] {
				b.ReportMetric(float64(spent[i+1])/float64(spent[0]), v.name+"/lambdasec")
			}
		})
	}
}

// TestJWKSKidMissFlood sends 500 concurrent tokens with unknown kids (a
// forging client, or a flood meant to hammer the issuer through the
// service) to each verifier, counts the key set fetches that caused, then
// publishes a genuine new key and reports whether its first token is
// accepted (a rollover right after a flood).
func TestJWKSKidMissFlood(t *testing.T) {
	forger, err := jwkstest.NewKey("forged", "ES256", 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"lambdasec", "keyfunc", "gojwtmw"} {
		f := newJWKSFixture(t)
		v := f.verifiers(t, "ES256")[i]
		f.skew.Add(int64(jwks.DefaultMinLookupInterval)) // the load's window is over
		_, before := f.srv.Fetches()
		var wg sync.WaitGroup
		for n := range 500 {
			tok, err := forger.SignHeader(map[string]any{"alg": "ES256", "kid": fmt.Sprint("forged-", n), "typ": "JWT"}, f.claims())
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				if v.verify(ctx, tok) == nil {
					t.Errorf("%s accepted a forged kid", name)
				}
			})
		}
		wg.Wait()
		_, after := f.srv.Fetches()
		next, err := f.srv.AddKey("key-next", "ES256", 0)
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := next.Sign(f.claims())
		rollover := v.verify(context.Background(), tok)
		t.Logf("%-9s kid-miss flood of 500: %d key set fetches; a new key right after: %s", name, after-before, errOrOK(rollover))
		if name == "lambdasec" {
			f.skew.Add(int64(jwks.DefaultMinLookupInterval))
			t.Logf("%-9s the new key 10 s later: %s", name, errOrOK(v.verify(context.Background(), tok)))
		}
	}
}

func errOrOK(err error) string {
	if err == nil {
		return "accepted"
	}
	return "refused (" + err.Error() + ")"
}
