package jwtauth

import (
	"context"
	"net/http"
)

// A Verifier verifies a whole token and returns its claims: an
// [*Authenticator], or a verifier of another issuer's tokens such as
// those of package jwks (an OpenID Connect issuer, an Amazon Cognito user
// pool, or several issuers routed by iss).
type Verifier interface {
	Verify(ctx context.Context, token string) (Claims, error)
}

// HandlerFor is [Authenticator.Handler] with the token verified by v
// instead of by a: the token is taken from the request as a takes it
// (Authorization header, then Config.Cookie), the claims reach next
// through [FromContext], and refusals go to a's Config.ErrorHandler and
// log. Use it to accept an identity provider's tokens beside, or instead
// of, a's own, for example with v a jwks.Issuers holding a and the
// provider.
//
// A nil v, or a itself, gives exactly [Authenticator.Handler]. a's
// revocation check applies only where v is a (or calls it); revoking
// another issuer's tokens is that issuer's business.
func (a *Authenticator) HandlerFor(v Verifier) func(http.Handler) http.Handler {
	if own, ok := v.(*Authenticator); v == nil || ok && own == a {
		return a.Handler // verifies straight into the context's claims
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, err := a.extract(r)
			if err == nil {
				var c Claims
				if c, err = v.Verify(r.Context(), token); err == nil {
					next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), c)))
					return
				}
			}
			a.reject(w, r, err)
		})
	}
}
