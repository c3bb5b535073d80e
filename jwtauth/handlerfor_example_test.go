package jwtauth_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/lambdasec/lambdasec/jwtauth"
)

// A route that accepts the service's own tokens and a partner issuer's.
// In production the second verifier is usually a jwks.Cognito or a
// jwtauth.Authenticator over a jwks.Source, and jwks.Issuers routes by
// iss instead of the switch below.
func ExampleAuthenticator_HandlerFor() {
	own := newExampleAuth(nil)
	partner := mustNew(jwtauth.Config{
		Keys:   []jwtauth.Key{{Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret([]byte("Vq3x9TzL0pW7sK2mN8bR5cY1fH4jD6gA"))}},
		Issuer: "partner", Audience: "trialbalance-api", Now: now,
	})
	either := verifierFunc(func(ctx context.Context, token string) (jwtauth.Claims, error) {
		if c, err := own.Verify(ctx, token); err == nil {
			return c, nil
		}
		return partner.Verify(ctx, token)
	})
	h := own.HandlerFor(either)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := jwtauth.FromContext(r.Context())
		fmt.Fprintf(w, "%s from %s", c.Subject, c.Issuer)
	}))

	mine, _, _ := own.Issue(jwtauth.Grant{Subject: "alice"})
	theirs, _, _ := partner.Issue(jwtauth.Grant{Subject: "bob"})
	for _, tok := range []string{mine, theirs, ""} {
		rec := get(h, tok)
		fmt.Println(rec.Code, rec.Body.String())
	}
	// Output:
	// 200 alice from trialbalance
	// 200 bob from partner
	// 401 {"type":"about:blank","title":"Unauthorized","status":401}
}

type verifierFunc func(context.Context, string) (jwtauth.Claims, error)

func (f verifierFunc) Verify(ctx context.Context, token string) (jwtauth.Claims, error) {
	return f(ctx, token)
}
