package jwtauth

import (
	"errors"
	"net/http"

	"github.com/lambdasec/lambdasec/secevent"
)

// reasons map each refusal to the short name security events and
// authorizer logs give it, most specific first.
var reasons = []struct {
	err  error
	name string
}{
	{ErrTokenMissing, "missing"},
	{ErrTokenExpired, "expired"},
	{ErrTokenRevoked, "revoked"},
	{ErrTokenNotValidYet, "not_yet_valid"},
	{ErrInvalidAudience, "audience"},
	{ErrInvalidIssuer, "issuer"},
	{ErrTokenType, "type"},
	{ErrSignatureInvalid, "signature"},
	{ErrKeyNotFound, "unknown_key"},
	{ErrAlgorithm, "algorithm"},
	{ErrTokenMalformed, "malformed"},
	{ErrInsufficientScope, "missing_scope"},
	{ErrRevocationUnavailable, "revocation_store"},
	{ErrKeySourceUnavailable, "key_source"},
}

// Reason names why err refused a token, in a short machine-readable word
// ("missing", "expired", "revoked", "not_yet_valid", "audience",
// "issuer", "type", "signature", "unknown_key", "algorithm", "malformed",
// "missing_scope", "revocation_store", "key_source"; "invalid" for any
// other refusal; "" for a nil error). It is what the security events
// carry as their reason, and never holds anything taken from the token.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "invalid"
}

// report sends the security event of a refused request to Config.Events:
// authz_fail for a missing scope, sys_dependency_fail when the revocation
// store or key source failed, authn_token_invalid otherwise. A request
// without any token is not an event: every crawler would raise one.
func (a *Authenticator) report(r *http.Request, err error) {
	if a.events == nil || errors.Is(err, ErrTokenMissing) {
		return
	}
	name := secevent.AuthnTokenInvalid
	switch {
	case errors.Is(err, ErrInsufficientScope):
		name = secevent.AuthzFail
	case errors.Is(err, ErrRevocationUnavailable), errors.Is(err, ErrKeySourceUnavailable):
		name = secevent.SysDependencyFail
	}
	e := secevent.ForRequest(r, name)
	e.Reason = Reason(err)
	if name == secevent.AuthzFail {
		if c, ok := FromContext(r.Context()); ok {
			e.UserID = c.Subject
		}
	}
	secevent.Emit(r.Context(), a.events, e)
}
